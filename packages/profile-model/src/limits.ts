/**
 * Bounds on what one profile keeps, whatever the customer does (see the README for the
 * resulting size bound).
 */
export interface ProfileLimits {
  /** Purchase categories and page-view categories kept apart (each); the rest fold into `__other__`. */
  maxCategories: number;
  /** Email campaigns kept apart; the rest fold into `__other__`. */
  maxCampaigns: number;
  /** (rule, UTC day) entries kept for lead-score rules with a daily cap; the oldest days go first. */
  maxCappedDays: number;
}

export const DEFAULT_PROFILE_LIMITS: Readonly<ProfileLimits> = Object.freeze({
  maxCategories: 50,
  maxCampaigns: 50,
  maxCappedDays: 1000,
});

/** The bucket that holds every category or campaign beyond the cap. */
export const OTHER = '__other__';
