/** The topic names of DESIGN §1, under a namespace. */
export const topicsFor = (namespace: string) => ({
  purchase: `${namespace}events.purchase.v1`,
  pageView: `${namespace}events.page-view.v1`,
  emailOpen: `${namespace}events.email-open.v1`,
  traits: `${namespace}events.traits.v1`,
  identify: `${namespace}events.identify.v1`,
  customerEvents: `${namespace}customer-events.v1`,
  dlq: `${namespace}customer-events.dlq.v1`,
  profileChanges: `${namespace}profile-changes.v1`,
  membership: `${namespace}segment-membership.v1`,
});
export type Topics = ReturnType<typeof topicsFor>;

/** The consumer group of one of segflow's services, under a namespace. */
export const groupFor = (namespace: string, service: string): string => `${namespace}segflow-${service}`;
