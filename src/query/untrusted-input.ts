import { InvalidQueryError } from "../errors";

/** The mark `untrusted()` leaves on every object of a value (non-enumerable: JSON and spreads skip it). */
const UNTRUSTED: unique symbol = Symbol("unitwork.untrusted");

/** How many objects `untrusted()` walks at the most; a larger value is refused rather than half-marked. */
const MAX_OBJECTS = 1_000_000;

/**
 * Marks a value that came from outside (a request body, a queue message) as untrusted, deeply, and
 * returns it unchanged otherwise. A filter then takes its objects as values only, never as filter
 * structure: `{ email: body.email }` with `body.email = { ilike: "%" }` is an `InvalidQueryError`
 * instead of an operator that matches every row. The HTTP adapters mark request bodies and query
 * objects themselves; call it for input that reaches a filter any other way.
 *
 * @example
 * const message = untrusted(JSON.parse(raw));
 * await users.findFirst({ where: { email: message.email } }); // refused if email is an object
 */
export function untrusted<V>(value: V): V {
  const pending: unknown[] = [value];
  let seen = 0;
  while (pending.length) {
    const item = pending.pop();
    if (typeof item !== "object" || item === null || Object.prototype.hasOwnProperty.call(item, UNTRUSTED)) continue;
    if (++seen > MAX_OBJECTS) throw new InvalidQueryError(`input has more than ${MAX_OBJECTS} objects`);
    // a frozen object cannot be marked (nor can a deep-frozen input be told from a frozen constant
    // filter in code), but what it holds still can be
    if (Object.isExtensible(item)) Object.defineProperty(item, UNTRUSTED, { value: true });
    for (const key of Object.keys(item)) pending.push((item as Record<string, unknown>)[key]);
  }
  return value;
}

/** Whether `value` is an object marked by `untrusted()`. @internal */
export function isUntrusted(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.prototype.hasOwnProperty.call(value, UNTRUSTED);
}
