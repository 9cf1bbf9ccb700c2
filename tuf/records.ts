/**
 * Records keyed by names that come from metadata (role names, target paths,
 * keyids). A plain `record[name]` treats `__proto__` as the prototype, not a
 * key: writing it drops the entry (a delegated role named `__proto__` would
 * vanish from reports and rollback checks) and reading `constructor` finds
 * Object.prototype's member. These read and write own properties only.
 */

export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
