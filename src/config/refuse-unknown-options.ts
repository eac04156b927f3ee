import { InvalidConfigError } from "../errors";

/**
 * Throws `InvalidConfigError` when `options` has a key that `what` does not take (a JavaScript
 * caller's `{ isolaton: ... }` would otherwise be ignored without a word), naming the closest known
 * key. Keys whose value is `undefined` are let through, as object spreads leave them. @internal
 */
export function refuseUnknownOptions(options: unknown, known: readonly string[], what: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidConfigError(`${what} takes an options object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const closest = closestKey(key, known);
    throw new InvalidConfigError(`unknown ${what} option ${JSON.stringify(key)}${closest ? `; did you mean ${JSON.stringify(closest)}?` : ""} (known: ${known.join(", ")})`);
  }
}

/** The known key within two edits of `key` (a typo), if any. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
