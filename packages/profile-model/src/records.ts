// Category and campaign names come from events, so they may be "__proto__" or
// "constructor": read and write such keys as own data properties only.

/** The own property `key` of `record`, or undefined. */
export const getOwn = <V>(record: Record<string, V>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** Sets `record[key]` as an own data property, even for "__proto__". */
export const setOwn = <V>(record: Record<string, V>, key: string, value: V): void => {
  if (key === '__proto__') Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
};
