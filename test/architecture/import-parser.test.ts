import { parseImports, scan, type ImportRecord } from "./import-parser";

/** `specifier kind` per record: compact enough to compare whole files at a glance. */
const summary = (source: string) => parseImports(source).map((r) => `${r.specifier} ${r.typeOnly ? "type" : "runtime"} ${r.form}`);
const only = (source: string): ImportRecord => {
  const records = parseImports(source);
  expect(records).toHaveLength(1);
  return records[0]!;
};

describe("import parser", () => {
  test("default, namespace and named imports are runtime", () => {
    expect(summary(`import a from "./a";\nimport * as b from "./b";\nimport { c } from './c';\nimport d, { e } from "./d";`)).toEqual([
      "./a runtime import",
      "./b runtime import",
      "./c runtime import",
      "./d runtime import",
    ]);
  });

  test("a multi-line import with a trailing comma and comments between its specifiers", () => {
    const record = only(`import {
      alpha, // the first
      /* second */ beta as b,
      gamma,
    } from "../x/y";`);
    expect(record).toMatchObject({ specifier: "../x/y", typeOnly: false, form: "import", names: ["alpha", "beta", "gamma"], line: 1 });
  });

  test("import type, and inline type specifiers: runtime as soon as one specifier is not a type", () => {
    expect(summary(`import type { A } from "./a";
import type B from "./b";
import type * as C from "./c";
import { type D, type E } from "./d";
import { type F, G } from "./f";
import H, { type I } from "./h";`)).toEqual([
      "./a type import",
      "./b type import",
      "./c type import",
      "./d type import",
      "./f runtime import",
      "./h runtime import",
    ]);
  });

  test("a binding named `type` is a runtime import", () => {
    expect(summary(`import type from "./a";\nimport type, { x } from "./b";\nimport { type } from "./c";\nimport { type as t } from "./d";\nimport { type as as t } from "./e";`)).toEqual([
      "./a runtime import",
      "./b runtime import",
      "./c runtime import",
      "./d runtime import",
      "./e type import",
    ]);
  });

  test("re-exports: export from, export type from, export type * from, mixed specifiers", () => {
    expect(summary(`export * from "./a";
export * as ns from "./b";
export { c, d as e } from "./c";
export type { F } from "./f";
export type * from "./g";
export type * as H from "./h";
export { type I, J } from "./i";
export { type K } from "./k";`)).toEqual([
      "./a runtime export-from",
      "./b runtime export-from",
      "./c runtime export-from",
      "./f type export-from",
      "./g type export-from",
      "./h type export-from",
      "./i runtime export-from",
      "./k type export-from",
    ]);
  });

  test("local exports and declarations are not module references", () => {
    expect(summary(`const a = 1; export { a };\nexport const from = "./nope";\nexport type T = { from: "x" };\nexport default from;`)).toEqual([]);
  });

  test("side-effect imports, dynamic import(), require() and import x = require()", () => {
    expect(summary(`import "reflect-metadata";
const lazy = () => import("./lazy");
const pg = require("pg");
import fs = require("node:fs");
import type Types = require("./types");
const m = await import("./with-options", { with: { type: "json" } });
import("./then").then((m) => m);`)).toEqual([
      "reflect-metadata runtime side-effect",
      "./lazy runtime dynamic",
      "pg runtime require",
      "node:fs runtime import-equals",
      "./types type import-equals",
      "./with-options runtime dynamic",
      "./then runtime dynamic",
    ]);
  });

  test("import() in a type position is type-only", () => {
    expect(summary(`type P = Pick<typeof import("libpg-query"), "parseSync">;\nlet x: import("./shape").Shape;`)).toEqual([
      "libpg-query type type-query",
      "./shape type type-query",
    ]);
  });

  test("imports inside comments, strings, templates and regular expressions do not count", () => {
    const source = `
      // import { a } from "./line-comment";
      /* import type { B } from "./block-comment"; export * from "./block" */
      /**
       * @example
       * import { expressHandler } from "unitwork/express";
       * const x = require("jsdoc");
       */
      const s1 = 'import x from "./single-quoted"';
      const s2 = "export * from './double-quoted'";
      const t = \`import y from "./template" \${ "import z from './in-substitution'" } require("./tail")\`;
      const re = /import a from "\\.\\/regex"/g;
      const re2 = /[/]import "x"/;
      obj.import("./method"); obj.require("./member"); obj?.require("./optional");
      import.meta.url;
      import { real } from "./real";
    `;
    expect(summary(source)).toEqual(["./real runtime import"]);
  });

  test("a template substitution with object literals and nested templates does not lose the parser", () => {
    const source = "const a = `${ { k: `${ 1 }` }.k } }`;\nimport { after } from \"./after\";";
    expect(summary(source)).toEqual(["./after runtime import"]);
  });

  test("division is not taken for a regular expression", () => {
    const source = `const ratio = total / count; const half = (a + b) / 2; const q = arr[0] / 3;\nimport { x } from "./x"; // "/`;
    expect(summary(source)).toEqual(["./x runtime import"]);
  });

  test("names and lines are reported", () => {
    const records = parseImports(`\n\nimport Def, { a as b, type C, default as d } from "./m";\nimport * as ns from "./n";`);
    expect(records.map((r) => [r.line, r.names])).toEqual([
      [3, ["default", "a", "C", "default"]],
      [4, ["*"]],
    ]);
  });

  test("the scanner keeps comments with their lines and string values without quotes", () => {
    const { tokens, comments } = scan(`// one\nconst s = "a\\"b"; /* two\n */`);
    expect(comments).toEqual([{ text: "// one", line: 1 }, { text: "/* two\n */", line: 2 }]);
    expect(tokens.find((t) => t.kind === "string")?.value).toBe('a"b');
  });
});
