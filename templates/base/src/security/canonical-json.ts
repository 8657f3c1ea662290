// Canonical JSON for the audit chain. Guards against an audit line whose bytes depend on how its
// object was built (the HMAC covers the exact bytes): object keys are sorted at every level. The
// reference definition is `canonicalJsonReference` (JSON.stringify with a key-sorting replacer);
// `canonicalJson` gives the SAME bytes without the replacer's per-value objects, and hands any value
// it does not handle itself (class instances, toJSON, bigint, digit-only keys — whose order in
// JSON.stringify is numeric, not sorted — …) to the reference, so the two can never disagree.

/** The definition: JSON.stringify with every object's keys sorted. */
export function canonicalJsonReference(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

/** Thrown inside `write` when a value needs the reference path. */
const UNHANDLED = Symbol('unhandled');
const DIGITS = /^\d+$/;

function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      const proto: unknown = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) throw UNHANDLED;
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          // undefined, functions and symbols are `null` inside arrays (JSON.stringify).
          out += (i === 0 ? '' : ',') + (item === undefined || typeof item === 'function' || typeof item === 'symbol' ? 'null' : write(item));
        }
        return `${out}]`;
      }
      if (proto !== Object.prototype && proto !== null) throw UNHANDLED;
      const record = value as Record<string, unknown>;
      if (typeof record['toJSON'] === 'function') throw UNHANDLED;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        if (DIGITS.test(key)) throw UNHANDLED;
        const item = record[key];
        // undefined, functions and symbols are left out of objects (JSON.stringify).
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${write(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw UNHANDLED; // bigint, undefined/function/symbol at the top level
  }
}

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch {
    // UNHANDLED, or a cycle / very deep value: the reference implementation gives the same bytes (or throws).
    return canonicalJsonReference(value);
  }
}
