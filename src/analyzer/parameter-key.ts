/** A stable text for bound parameters (bigint, Date, Buffer safe). @internal */
export function parameterKey(values: readonly unknown[] | unknown): string {
  return JSON.stringify(values, replacer) ?? "undefined";
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  return value;
}
