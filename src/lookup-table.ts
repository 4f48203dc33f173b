/**
 * A constant table for look-ups by untrusted text (alert values, typed commands, config
 * keys). A plain object literal inherits from Object.prototype, so `table["constructor"]`
 * or `"toString" in table` find something that was never in the table; a null-prototype
 * object sees only its own keys.
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/** `obj[key]` only when obj has key itself: for objects that came from JSON or YAML. */
export function ownValue<T>(
  obj: Readonly<Record<string, T>> | undefined,
  key: string,
): T | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}
