import type { Instant } from './time.js';
import { MAX_INSTANT_MS, ms } from './time.js';

const parseDate = (birthDate: string): { y: number; m: number; d: number } | null => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not
  check.setUTCFullYear(y);
  return check.getUTCMonth() === m - 1 && check.getUTCDate() === d ? { y, m, d } : null;
};

/** 00:00 UTC of the birthday in `year`; 29 February falls on 1 March in other years. */
const birthdayIn = (year: number, m: number, d: number): number => {
  const t = new Date(Date.UTC(2000, m - 1, d));
  t.setUTCFullYear(year, m - 1, d); // overflows 29 Feb into 1 Mar in a common year
  return t.getTime();
};

/**
 * Age in whole years at `now` of someone born on `birthDate` (YYYY-MM-DD), counted in UTC
 * dates: a year is complete at 00:00 UTC on the birthday, and a 29 February birthday
 * falls on 1 March in common years. Null for a malformed or future birth date.
 */
export const age = (birthDate: string, now: Instant): number | null => {
  const b = parseDate(birthDate);
  if (!b) return null;
  const n = ms(now);
  const year = new Date(n).getUTCFullYear();
  const years = n >= birthdayIn(year, b.m, b.d) ? year - b.y : year - b.y - 1;
  return years >= 0 ? years : null;
};

/**
 * The next instant after `now` at which `age` changes: 00:00 UTC on the next birthday
 * (for a future birth date, the birth itself). Null for a malformed birth date.
 */
export const nextBirthday = (birthDate: string, now: Instant): number | null => {
  const b = parseDate(birthDate);
  if (!b) return null;
  const n = ms(now);
  for (let year = Math.max(new Date(n).getUTCFullYear(), b.y); ; year += 1) {
    const t = birthdayIn(year, b.m, b.d);
    if (t > n) return t <= MAX_INSTANT_MS ? t : null;
  }
};
