import type { SchemaName } from './json-schemas.js';
import { CLOUDEVENTS_CONTENT_TYPE, RECEIVED_AT_HEADER } from './membership.js';
import { DEFAULT_PUBLIC_URL, membershipEventOrigin, schemaUrl } from './public-urls.js';
import { groupFor, topicsFor } from './topics.js';

/**
 * The schema format of every message payload: the published JSON Schemas are draft
 * 2020-12, which AsyncAPI 3.0 allows as a custom format (its own Schema Object is
 * draft-07 based). Headers, written inline, use the default AsyncAPI Schema.
 */
export const JSON_SCHEMA_2020_12 = 'application/schema+json;version=draft-2020-12';

const KAFKA_BINDING = '0.5.0';

export interface AsyncApiSettings {
  /** The deployment's public URL (SEGFLOW_PUBLIC_URL): the base of every `$ref`. */
  publicUrl: string;
  /** SEGFLOW_NAMESPACE: prefixes topic and consumer-group names. */
  namespace: string;
  /** KAFKA_BROKERS: the bootstrap brokers. */
  kafkaBrokers: string[];
}

/** The settings the checked-in `asyncapi.json` is written for (`pnpm start`'s defaults). */
export const DEFAULT_ASYNCAPI_SETTINGS: AsyncApiSettings = { publicUrl: DEFAULT_PUBLIC_URL, namespace: '', kafkaBrokers: ['127.0.0.1:9092'] };

const PUBLIC = { name: 'public', description: 'A stable interface: producers and consumers outside segflow may rely on it.' };
const INTERNAL = {
  name: 'internal',
  description: "Between segflow's own services. Documented for operators; its shape may change with segflow, so read profiles over the REST API instead.",
};

const keyedByCustomer = (description = 'the customerId, so that one customer’s messages stay in order') => ({
  kafka: { key: { type: 'string', description }, bindingVersion: KAFKA_BINDING },
});

const now = '2026-11-23T09:59:59.870Z';

const sourceExamples = {
  purchase: { eventId: 'evt-981', type: 'purchase', customerId: 'c-42', occurredAt: now, orderId: 'o-7', amount: 153.5, currency: 'EUR', items: [{ sku: 'sku-1', category: 'shoes', quantity: 1, price: 153.5 }] },
  page_view: { eventId: 'evt-982', type: 'page_view', customerId: 'c-42', occurredAt: now, url: 'https://shop.example/shoes/trail', category: 'shoes' },
  email_open: { eventId: 'evt-983', type: 'email_open', customerId: 'c-42', occurredAt: now, campaignId: 'winter-sale' },
  traits: { eventId: 'evt-984', type: 'traits', customerId: 'c-42', occurredAt: now, traits: { email: 'ada@example.com', country: 'DE', consent: { email: true } } },
  identify: { eventId: 'evt-985', type: 'identify', customerId: 'c-42', occurredAt: now, anonymousId: 'anon-7f3a' },
};

const membershipExample = (publicUrl: string) => ({
  specversion: '1.0',
  id: 'vip-customers:c-42:7',
  ...membershipEventOrigin(publicUrl),
  type: 'segflow.segment.entered',
  subject: 'c-42',
  time: '2026-11-23T10:00:00.123Z',
  datacontenttype: 'application/json',
  data: {
    customerId: 'c-42',
    segmentId: 'vip-customers',
    segmentVersion: 3,
    segmentName: 'VIP customers',
    reason: 'event',
    causationEventId: 'evt-981',
    eventTime: now,
    profileVersion: 118,
    explanation: [{ path: 'all[0]', field: 'purchase.total', window: '365d', op: 'gte', value: 1000, actual: 1043.5, was: 890 }],
  },
});

const digits = (description: string) => ({ type: 'string', pattern: '^[0-9]+$', description });

const deadLetterHeaders = {
  type: 'object',
  description: 'The original message’s headers are kept beside these (except on a truncated copy).',
  required: ['segflow-dlq-reason', 'segflow-dlq-errors', 'segflow-dlq-origin-topic', 'segflow-dlq-origin-partition', 'segflow-dlq-origin-offset', 'segflow-dlq-failed-at'],
  properties: {
    'segflow-dlq-reason': {
      type: 'string',
      description: 'Why the message was refused, a short stable word: invalid_json, invalid_event, wrong_topic, unknown_currency, invalid_profile_change, processing_failed.',
    },
    'segflow-dlq-errors': { type: 'string', description: 'JSON: the details, e.g. [{"path":"currency","message":"…"}], or the error’s name, code and message.' },
    'segflow-dlq-origin-topic': { type: 'string', description: 'The topic the message was read from.' },
    'segflow-dlq-origin-partition': digits('Its partition.'),
    'segflow-dlq-origin-offset': digits('Its offset.'),
    'segflow-dlq-failed-at': { type: 'string', format: 'date-time', description: 'When segflow refused it.' },
    'segflow-dlq-truncated-from': digits('Present when the copy holds only the first 64 KiB of the value: the original size in bytes.'),
  },
};

/**
 * The AsyncAPI 3.0 document of every topic segflow reads or writes, as a deployment with
 * `settings` serves it at `/docs/asyncapi.json`. Message payloads `$ref` the published
 * JSON Schemas by their absolute `$id` (see jsonSchemas), so a reader resolves them from
 * the same deployment.
 */
export const asyncApiDocument = (settings: AsyncApiSettings = DEFAULT_ASYNCAPI_SETTINGS) => {
  const { publicUrl, namespace, kafkaBrokers } = settings;
  const topics = topicsFor(namespace);
  const payload = (name: SchemaName) => ({ schemaFormat: JSON_SCHEMA_2020_12, schema: { $ref: schemaUrl(publicUrl, name) } });
  const channelRef = (id: string) => ({ $ref: `#/channels/${id}` });
  const consumedBy = (service: string) => ({ kafka: { groupId: { type: 'string', enum: [groupFor(namespace, service)] }, bindingVersion: KAFKA_BINDING } });
  const channel = (address: string, messageId: string, tag: typeof PUBLIC, title: string, description: string) => ({
    address,
    title,
    description,
    messages: { [messageId]: { $ref: `#/components/messages/${messageId}` } },
    tags: [tag],
  });
  const sourceMessage = (name: SchemaName, title: string, example: object) => ({
    name: title.replace(/ /g, ''),
    title,
    contentType: 'application/json',
    payload: payload(name),
    bindings: keyedByCustomer('any; the customerId is advised, so that one customer’s events stay in order'),
    examples: [{ name: 'example', payload: example }],
  });

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'segflow',
      version: '1.0.0',
      description:
        'Real-time customer segmentation. Producers write events to the source topics (or POST /v1/events); segflow publishes a CloudEvent on segment-membership.v1 whenever a customer enters or leaves a segment, and refused input to the dead-letter topic. Payload schemas are JSON Schema 2020-12, served under /schemas/.',
      externalDocs: { description: 'The REST API (OpenAPI 3.1)', url: `${publicUrl}/docs` },
      tags: [PUBLIC, INTERNAL],
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: kafkaBrokers[0] ?? '127.0.0.1:9092',
        protocol: 'kafka',
        description: `The Kafka cluster segflow uses; bootstrap brokers ${kafkaBrokers.join(', ')}.`,
      },
    },
    channels: {
      purchaseEvents: channel(topics.purchase, 'purchaseEvent', PUBLIC, 'Purchases', 'Purchase events from a shop. Only `type: purchase` belongs here; anything else is dead-lettered with reason wrong_topic.'),
      pageViewEvents: channel(topics.pageView, 'pageViewEvent', PUBLIC, 'Page views', 'Page views from a web tracker (`type: page_view`).'),
      emailOpenEvents: channel(topics.emailOpen, 'emailOpenEvent', PUBLIC, 'Email opens', 'Email opens from an ESP (`type: email_open`).'),
      traitsEvents: channel(topics.traits, 'traitsEvent', PUBLIC, 'Traits', 'Customer traits from a CRM (`type: traits`); per field, the latest occurredAt wins.'),
      identifyEvents: channel(
        topics.identify,
        'identifyEvent',
        PUBLIC,
        'Identifies',
        'An anonymous id recognised as a known customer (`type: identify`), e.g. at login: the anonymous profile merges into the customer’s, and later events for the anonymous id count for the customer.',
      ),
      customerEvents: channel(topics.customerEvents, 'customerEvent', INTERNAL, 'Accepted events', 'Every accepted event, validated and normalised by ingest, with receivedAt.'),
      deadLetters: channel(
        topics.dlq,
        'deadLetter',
        PUBLIC,
        'Dead letters',
        'Input segflow refused for good, byte for byte, with the reason and origin in segflow-dlq-* headers. Nothing refused is dropped silently.',
      ),
      profileChanges: channel(topics.profileChanges, 'profileChange', INTERNAL, 'Profile changes', 'The full profile snapshot after each change, an erasure, or a merge into another customer.'),
      segmentMembership: channel(
        topics.membership,
        'membershipEvent',
        PUBLIC,
        'Segment membership',
        'CloudEvents 1.0 in structured JSON: segflow.segment.entered and segflow.segment.exited. A change republished after a crash carries the same id.',
      ),
    },
    operations: {
      receivePurchaseEvents: { action: 'receive', channel: channelRef('purchaseEvents'), summary: 'ingest validates purchases', bindings: consumedBy('ingest') },
      receivePageViewEvents: { action: 'receive', channel: channelRef('pageViewEvents'), summary: 'ingest validates page views', bindings: consumedBy('ingest') },
      receiveEmailOpenEvents: { action: 'receive', channel: channelRef('emailOpenEvents'), summary: 'ingest validates email opens', bindings: consumedBy('ingest') },
      receiveTraitsEvents: { action: 'receive', channel: channelRef('traitsEvents'), summary: 'ingest validates traits', bindings: consumedBy('ingest') },
      receiveIdentifyEvents: { action: 'receive', channel: channelRef('identifyEvents'), summary: 'ingest validates identifies', bindings: consumedBy('ingest') },
      sendCustomerEvents: { action: 'send', channel: channelRef('customerEvents'), summary: 'ingest forwards what it accepted, from the source topics and POST /v1/events' },
      receiveCustomerEvents: { action: 'receive', channel: channelRef('customerEvents'), summary: 'profile applies each event to its profile, exactly once', bindings: consumedBy('profile') },
      sendDeadLetters: { action: 'send', channel: channelRef('deadLetters'), summary: 'every consumer dead-letters what it cannot take' },
      sendProfileChanges: { action: 'send', channel: channelRef('profileChanges'), summary: 'profile announces each changed profile' },
      receiveProfileChanges: { action: 'receive', channel: channelRef('profileChanges'), summary: 'segment re-evaluates the affected segments', bindings: consumedBy('segment') },
      sendSegmentMembership: { action: 'send', channel: channelRef('segmentMembership'), summary: 'segment announces each membership change, once its transaction committed' },
    },
    components: {
      messages: {
        purchaseEvent: sourceMessage('purchase-event', 'Purchase event', sourceExamples.purchase),
        pageViewEvent: sourceMessage('page-view-event', 'Page view event', sourceExamples.page_view),
        emailOpenEvent: sourceMessage('email-open-event', 'Email open event', sourceExamples.email_open),
        traitsEvent: sourceMessage('traits-event', 'Traits event', sourceExamples.traits),
        identifyEvent: sourceMessage('identify-event', 'Identify event', sourceExamples.identify),
        customerEvent: { name: 'CustomerEvent', title: 'Customer event', contentType: 'application/json', payload: payload('customer-event'), bindings: keyedByCustomer() },
        deadLetter: {
          name: 'DeadLetter',
          title: 'Dead letter',
          contentType: 'application/octet-stream',
          summary: 'The refused message’s value unchanged: usually JSON that failed validation, but any bytes (empty for a null value).',
          headers: deadLetterHeaders,
          payload: { description: 'The original value, byte for byte; its first 64 KiB when segflow-dlq-truncated-from is set.' },
          bindings: { kafka: { key: { type: 'string', description: 'the original message’s key' }, bindingVersion: KAFKA_BINDING } },
        },
        profileChange: { name: 'ProfileChange', title: 'Profile change', contentType: 'application/json', payload: payload('profile-change'), bindings: keyedByCustomer() },
        membershipEvent: {
          name: 'MembershipEvent',
          title: 'Segment entered or exited',
          contentType: CLOUDEVENTS_CONTENT_TYPE,
          summary: '`source` is the deployment’s segments URL; `dataschema` names the served schema of `data`.',
          headers: {
            type: 'object',
            required: ['content-type'],
            properties: {
              'content-type': { type: 'string', const: CLOUDEVENTS_CONTENT_TYPE, description: 'CloudEvents structured mode (Kafka protocol binding).' },
              [RECEIVED_AT_HEADER]: { type: 'string', format: 'date-time', description: 'When segflow received the cause: ingest’s receipt of the event, or for reason time the instant the flip was due; absent for backfills, deletions and erasures.' },
            },
          },
          payload: payload('membership-event'),
          bindings: keyedByCustomer(),
          examples: [{ name: 'entered', payload: membershipExample(publicUrl) }],
        },
      },
    },
  };
};
export type AsyncApiDocument = ReturnType<typeof asyncApiDocument>;
