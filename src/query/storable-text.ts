/**
 * Why PostgreSQL cannot store `text` as given, if it cannot: a NUL character (refused by text and
 * jsonb), or a lone UTF-16 surrogate (refused by jsonb, and silently turned into U+FFFD on its way
 * to a text column, which alters the data). `undefined` when the text is storable. @internal
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes("\u0000")) return "NUL characters";
  if (LONE_SURROGATE.test(text)) return "lone UTF-16 surrogates (malformed Unicode)";
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
