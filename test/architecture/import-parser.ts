/**
 * A small TypeScript scanner and import parser for the architecture tests. No dependency: it tokenizes
 * the source text (skipping comments, strings, template literals and regular expressions, so an
 * `import` in a comment or a string never counts) and reads the module references off the tokens.
 */

export type TokenKind = "name" | "string" | "template" | "number" | "regex" | "punct";

export interface Token {
  kind: TokenKind;
  /** The text (for a string: its value without quotes). */
  value: string;
  /** 1-based line of the token's first character. */
  line: number;
  /** Offset of the token's first character in the source. */
  start: number;
  /** Offset just after the token. */
  end: number;
}

export interface SourceComment {
  text: string;
  line: number;
}

export interface Scanned {
  tokens: Token[];
  comments: SourceComment[];
}

/** How a module is referenced. */
export type ImportForm =
  | "import" //          import x from "m", import { a } from "m", import * as ns from "m"
  | "side-effect" //     import "m"
  | "export-from" //     export { a } from "m", export * from "m"
  | "dynamic" //         import("m") in an expression
  | "type-query" //      import("m").T or typeof import("m") in a type
  | "require" //         require("m")
  | "import-equals"; //  import x = require("m")

export interface ImportRecord {
  specifier: string;
  /** `true` when the reference is erased at compile time (import type, all specifiers `type`, type positions). */
  typeOnly: boolean;
  form: ImportForm;
  /** Names taken from the module: `default`, `*` (namespace or star), or the imported name. Empty for side effects. */
  names: string[];
  line: number;
}

const PUNCTUATORS = [
  ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
  "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=",
  "&=", "|=", "^=", "**", "<<", ">>",
];

/** After these keywords a `/` starts a regular expression, not a division. */
const REGEX_AFTER_KEYWORD = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await", "extends",
]);

const isNameStart = (c: string) => /[A-Za-z_$\u0080-\uffff]/.test(c);
const isNamePart = (c: string) => /[\w$\u0080-\uffff]/.test(c);

/** Tokenizes TypeScript source. Comments are returned separately; whitespace is dropped. */
export function scan(source: string): Scanned {
  const tokens: Token[] = [];
  const comments: SourceComment[] = [];
  const lineStarts = [0];
  for (let k = 0; k < source.length; k++) if (source[k] === "\n") lineStarts.push(k + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const push = (kind: TokenKind, value: string, start: number, end: number) => tokens.push({ kind, value, start, end, line: lineOf(start) });
  // For each open `{` (or `${` of a template): true when it is a template substitution.
  const braces: boolean[] = [];
  let i = 0;

  /** Reads template characters from `i` (just after a backtick or a substitution's `}`) up to the end or the next `${`. */
  const templateChunk = (tokenStart: number) => {
    while (i < source.length) {
      const c = source[i]!;
      if (c === "\\") {
        i += 2;
      } else if (c === "`") {
        i++;
        push("template", source.slice(tokenStart, i), tokenStart, i);
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        push("template", source.slice(tokenStart, i), tokenStart, i);
        braces.push(true);
        return;
      } else {
        i++;
      }
    }
    push("template", source.slice(tokenStart, i), tokenStart, i);
  };

  const regexAllowed = (): boolean => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === "name") return REGEX_AFTER_KEYWORD.has(prev.value);
    if (prev.kind === "punct") return ![")", "]", "}"].includes(prev.value);
    return false;
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v" || c === "\ufeff" || c === "\u00a0") {
      i++;
    } else if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end === -1 ? source.length : end;
      comments.push({ text: source.slice(i, stop), line: lineOf(i) });
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      comments.push({ text: source.slice(i, stop), line: lineOf(i) });
      i = stop;
    } else if (c === "'" || c === '"') {
      const start = i;
      let value = "";
      i++;
      while (i < source.length && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else {
          value += source[i];
          i++;
        }
      }
      i++;
      push("string", value, start, i);
    } else if (c === "`") {
      const start = i;
      i++;
      templateChunk(start);
    } else if (c === "}" && braces.length && braces[braces.length - 1]) {
      braces.pop();
      const start = i;
      i++;
      templateChunk(start);
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(next ?? ""))) {
      const start = i;
      i++;
      while (i < source.length) {
        const d = source[i]!;
        if (/[\w.]/.test(d)) i++;
        else if ((d === "+" || d === "-") && /[eE]/.test(source[i - 1]!) && !/^0[xX]/.test(source.slice(start, i))) i++;
        else break;
      }
      push("number", source.slice(start, i), start, i);
    } else if (isNameStart(c) || (c === "#" && isNameStart(next ?? ""))) {
      const start = i;
      i++;
      while (i < source.length && isNamePart(source[i]!)) i++;
      push("name", source.slice(start, i), start, i);
    } else if (c === "/" && regexAllowed()) {
      const start = i;
      i++;
      let inClass = false;
      while (i < source.length && source[i] !== "\n") {
        const d = source[i]!;
        if (d === "\\") {
          i += 2;
          continue;
        }
        i++;
        if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
      }
      while (i < source.length && isNamePart(source[i]!)) i++;
      push("regex", source.slice(start, i), start, i);
    } else {
      const start = i;
      let op = PUNCTUATORS.find((p) => source.startsWith(p, i));
      if (op === "?." && /[0-9]/.test(source[i + 2] ?? "")) op = undefined; // `a ?.5 : b`
      const value = op ?? c;
      i += value.length;
      if (value === "{") braces.push(false);
      else if (value === "}") braces.pop();
      push("punct", value, start, i);
    }
  }
  return { tokens, comments };
}

/** A token that passed a check; the brand keeps a failed check from narrowing the token away. */
export type Checked = Token & { readonly __checked: true };

const is = (token: Token | undefined, kind: TokenKind, value?: string): token is Checked =>
  token !== undefined && token.kind === kind && (value === undefined || token.value === value);
const punct = (token: Token | undefined, value: string) => is(token, "punct", value);
const name = (token: Token | undefined, value?: string) => is(token, "name", value);

/** Whether the token before `index` makes `tokens[index]` a property access (`a.import`, `a?.require`). */
function isMemberAccess(tokens: Token[], index: number): boolean {
  const prev = tokens[index - 1];
  return punct(prev, ".") || punct(prev, "?.");
}

/** Index of the `}` matching the `{` at `open`, or -1. */
function matchingBrace(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (punct(tokens[k], "{")) depth++;
    else if (punct(tokens[k], "}") && --depth === 0) return k;
  }
  return -1;
}

interface Specifiers {
  names: string[];
  /** Every specifier is `type X` (an empty list counts as runtime: it keeps the module's side effects). */
  allTypes: boolean;
}

/**
 * Reads `{ a, type b, c as d, type e as f, default as g }` between `open` and its matching brace.
 * `{ type }` and `{ type as x }` import a binding named `type`; `{ type as as x }` is a type import of `as`.
 */
function readSpecifiers(tokens: Token[], open: number, close: number): Specifiers {
  const groups: Token[][] = [[]];
  for (let k = open + 1; k < close; k++) {
    if (punct(tokens[k], ",")) groups.push([]);
    else groups[groups.length - 1]!.push(tokens[k]!);
  }
  const specifiers = groups.filter((g) => g.length > 0);
  const names: string[] = [];
  let allTypes = specifiers.length > 0;
  for (const parts of specifiers) {
    const values = parts.map((t) => t.value);
    const typeModifier = values[0] === "type" && values.length > 1 && !(values.length === 3 && values[1] === "as");
    if (!typeModifier) allTypes = false;
    names.push(typeModifier ? values[1]! : values[0]!);
  }
  return { names, allTypes };
}

/** Every module reference in TypeScript source, in source order. */
export function parseImports(source: string | Scanned): ImportRecord[] {
  const { tokens } = typeof source === "string" ? scan(source) : source;
  const records: ImportRecord[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== "name" || isMemberAccess(tokens, i)) continue;
    if (token.value === "import") {
      const record = readImport(tokens, i);
      if (record) records.push(record);
    } else if (token.value === "export") {
      const record = readExportFrom(tokens, i);
      if (record) records.push(record);
    } else if (token.value === "require" && punct(tokens[i + 1], "(") && is(tokens[i + 2], "string") && punct(tokens[i + 3], ")")) {
      // `import x = require("m")` is recorded by readImport.
      if (!punct(tokens[i - 1], "=") || !tokens.slice(Math.max(0, i - 4), i).some((t) => name(t, "import"))) {
        records.push({ specifier: tokens[i + 2]!.value, typeOnly: false, form: "require", names: [], line: token.line });
      }
    }
  }
  return records;
}

function readImport(tokens: Token[], i: number): ImportRecord | undefined {
  const line = tokens[i]!.line;
  const next = tokens[i + 1];
  if (punct(next, "(")) {
    // import("m"), import("m", { with: … }), or in a type: import("m").T / typeof import("m")
    const arg = tokens[i + 2];
    if (!is(arg, "string") || !(punct(tokens[i + 3], ")") || punct(tokens[i + 3], ","))) return undefined;
    let close = i + 3;
    if (punct(tokens[close], ",")) {
      let depth = 1;
      for (close = i + 2; close < tokens.length; close++) {
        if (punct(tokens[close], "(")) depth++;
        else if (punct(tokens[close], ")") && --depth === 0) break;
      }
    }
    const member = punct(tokens[close + 1], ".") && name(tokens[close + 2]) && !["then", "catch", "finally"].includes(tokens[close + 2]!.value);
    const typeQuery = name(tokens[i - 1], "typeof") || member;
    return { specifier: arg.value, typeOnly: typeQuery, form: typeQuery ? "type-query" : "dynamic", names: [], line };
  }
  if (punct(next, ".")) return undefined; // import.meta
  if (is(next, "string")) return { specifier: next.value, typeOnly: false, form: "side-effect", names: [], line };
  if (!name(next) && !punct(next, "{") && !punct(next, "*")) return undefined;

  let k = i + 1;
  let typeOnly = false;
  // `import type X …`, but not `import type from "m"`, `import type, { a } from "m"` or `import type = require("m")`.
  if (name(tokens[k], "type")) {
    const after = tokens[k + 1];
    const defaultNamedType = punct(after, ",") || punct(after, "=") || (name(after, "from") && is(tokens[k + 2], "string"));
    if (!defaultNamedType) {
      typeOnly = true;
      k++;
    }
  }
  const names: string[] = [];
  let runtimeBinding = false;
  let specifiersAllTypes = false;
  let sawBraces = false;
  for (;;) {
    const t = tokens[k];
    if (punct(t, "{")) {
      const close = matchingBrace(tokens, k);
      if (close === -1) return undefined;
      const specifiers = readSpecifiers(tokens, k, close);
      names.push(...specifiers.names);
      sawBraces = true;
      specifiersAllTypes = specifiers.allTypes;
      k = close + 1;
    } else if (punct(t, "*") && name(tokens[k + 1], "as") && name(tokens[k + 2])) {
      names.push("*");
      runtimeBinding = true;
      k += 3;
    } else if (name(t) && !(name(t, "from") && is(tokens[k + 1], "string"))) {
      // a default binding, or the local name of `import x = require("m")`
      if (punct(tokens[k + 1], "=")) {
        const target = tokens[k + 2];
        if (name(target, "require") && punct(tokens[k + 3], "(") && is(tokens[k + 4], "string")) {
          return { specifier: tokens[k + 4]!.value, typeOnly, form: "import-equals", names: ["*"], line };
        }
        return undefined; // import x = Namespace.Member: no module
      }
      names.push("default");
      runtimeBinding = true;
      k++;
    } else {
      break;
    }
    if (punct(tokens[k], ",")) k++;
  }
  if (!name(tokens[k], "from") || !is(tokens[k + 1], "string")) return undefined;
  const erased = typeOnly || (!runtimeBinding && sawBraces && specifiersAllTypes);
  return { specifier: tokens[k + 1]!.value, typeOnly: erased, form: "import", names, line };
}

function readExportFrom(tokens: Token[], i: number): ImportRecord | undefined {
  const line = tokens[i]!.line;
  let k = i + 1;
  let typeOnly = false;
  if (name(tokens[k], "type") && (punct(tokens[k + 1], "{") || punct(tokens[k + 1], "*"))) {
    typeOnly = true;
    k++;
  }
  let names: string[];
  let allTypes = false;
  if (punct(tokens[k], "*")) {
    k++;
    names = ["*"];
    if (name(tokens[k], "as") && name(tokens[k + 1])) {
      names = [tokens[k + 1]!.value];
      k += 2;
    }
  } else if (punct(tokens[k], "{")) {
    const close = matchingBrace(tokens, k);
    if (close === -1) return undefined;
    const specifiers = readSpecifiers(tokens, k, close);
    names = specifiers.names;
    allTypes = specifiers.allTypes;
    k = close + 1;
  } else {
    return undefined;
  }
  if (!name(tokens[k], "from") || !is(tokens[k + 1], "string")) return undefined; // export { a, b } (local)
  return { specifier: tokens[k + 1]!.value, typeOnly: typeOnly || allTypes, form: "export-from", names, line };
}
