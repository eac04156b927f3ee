const ARRAY_ELEMENT_SPECIAL = /[\\"]/;
const ARRAY_ELEMENT_ESCAPE = /[\\"]/g;

/**
 * A PostgreSQL array literal (`{"a",NULL,"b"}`) of element texts, for one `$n::type[]` parameter.
 * Every element is quoted, so any text (commas, braces, `NULL`) stays itself. @internal
 */
export function arrayLiteral(texts: readonly (string | null)[]): string {
  const parts = new Array<string>(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (text === null || text === undefined) parts[i] = "NULL";
    else parts[i] = ARRAY_ELEMENT_SPECIAL.test(text) ? `"${text.replace(ARRAY_ELEMENT_ESCAPE, "\\$&")}"` : `"${text}"`;
  }
  return `{${parts.join(",")}}`;
}

/** A PostgreSQL boolean array literal. @internal */
export function booleanArrayLiteral(values: readonly boolean[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) out += (i ? "," : "") + (values[i] ? "t" : "f");
  return `${out}}`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPE = /[\\\t\n\r]/g;
const COPY_REPLACEMENTS: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One field of COPY text format: `\N` for null, backslash escapes for the rest. @internal */
export function copyField(text: string | null): string {
  if (text === null) return "\\N";
  return COPY_SPECIAL.test(text) ? text.replace(COPY_ESCAPE, (c) => COPY_REPLACEMENTS[c]!) : text;
}
