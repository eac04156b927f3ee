import type { RelationReadTrap, ReadMark } from "./relation-read-trap";

/** A trapped relation property and the mark of the relation it belongs to. @internal */
export interface TrappedRelation {
  trap: RelationReadTrap;
  mark: ReadMark;
}

/** Objects looked at before giving up: beyond it, every relation of the scope counts as read. */
const MAX_VISITED = 100_000;

/**
 * Marks read every trapped relation reachable from `value`, the result a scope hands to its caller:
 * the caller may still read it (an HTTP adapter serializes it after the request's scope ended), so
 * what leaves the scope is not over-fetched. Follows arrays, Map and Set values and own enumerable
 * data properties (no getter of the application runs), and the trapped relations' values. Returns
 * `false` when the graph was too large to walk (the caller then counts everything as read). @internal
 */
export function markReachable(value: unknown, trapped: ReadonlyMap<object, TrappedRelation[]>): boolean {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    if (seen.size >= MAX_VISITED) return false;
    seen.add(next);
    for (const { trap, mark } of trapped.get(next) ?? []) {
      mark.read = true;
      pending.push(trap.value);
    }
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else if (next instanceof Map || next instanceof Set) {
      for (const item of next.values()) pending.push(item);
    } else if (!ArrayBuffer.isView(next) && !(next instanceof Date) && !(next instanceof Promise)) {
      for (const key of Object.keys(next)) {
        const own = Object.getOwnPropertyDescriptor(next, key);
        if (own && "value" in own) pending.push(own.value);
      }
    }
  }
  return true;
}
