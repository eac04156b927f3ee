import type { EntityId } from "../repository";

/** Separates packed keys: NUL cannot occur in a key (text holding it is refused before any SQL). */
const SEPARATOR = "\u0000";

/**
 * The keys of one bulk insert, in input order. When `packed`, the string keys of each chunk are kept
 * as one string until the end, so that a long iterable does not hold a million small live strings
 * (and the garbage collector's heap does not grow with them) while it is written. @internal
 */
export class CollectedIds {
  private readonly parts: (readonly EntityId[] | string)[] = [];
  private count = 0;

  constructor(private readonly packed: boolean) {}

  add(ids: readonly EntityId[]): void {
    if (!ids.length) return;
    this.count += ids.length;
    this.parts.push(this.packed && typeof ids[0] === "string" ? ids.join(SEPARATOR) : ids);
  }

  toArray(): EntityId[] {
    const out = new Array<EntityId>(this.count);
    let at = 0;
    for (const part of this.parts) {
      for (const id of typeof part === "string" ? part.split(SEPARATOR) : part) out[at++] = id;
    }
    return out;
  }
}
