/**
 * The architecture rules on small made-up source trees: what each one reports, and what it must not.
 */
import {
  asyncLocalStorageRule,
  barrelRule,
  fileCycleRule,
  folderCycleRule,
  layerRule,
  moduleStateDeclarations,
  mutableStateRule,
  thirdPartyRule,
} from "./architecture-rules";
import { buildSourceGraph } from "./source-graph";

const graphOf = (sources: Record<string, string>) => buildSourceGraph(new Map(Object.entries(sources)));
const LAYERS = ["low", "mid", "high"];

describe("layer rule", () => {
  test("downward and same-layer imports pass; an upward runtime import is reported with its line", () => {
    const graph = graphOf({
      "src/low/a.ts": `export const a = 1;`,
      "src/mid/b.ts": `import { a } from "../low/a";\nimport { c } from "./c";\nexport const b = a + c;`,
      "src/mid/c.ts": `export const c = 2;`,
      "src/low/up.ts": `// import { b } from "../mid/b"; (a comment)\n\nimport { b } from "../mid/b";`,
      "src/index.ts": `export * from "./high";`,
      "src/high/index.ts": `export { b } from "../mid/b";`,
    });
    expect(layerRule(graph, LAYERS, [])).toEqual(["src/low/up.ts:3 → src/mid/b.ts  (low → mid: upward runtime import)"]);
  });

  test("an upward import type passes only through the allow-list, and a stale entry is reported", () => {
    const graph = graphOf({
      "src/low/a.ts": `import type { B } from "../mid/b";\nimport { type C } from "../mid/c";`,
      "src/mid/b.ts": `export interface B {}`,
      "src/mid/c.ts": `export interface C {}`,
    });
    expect(layerRule(graph, LAYERS, [{ from: "src/low/a.ts", to: "src/mid/b.ts", why: "test" }, { from: "src/low/x.ts", to: "src/mid/b.ts", why: "gone" }])).toEqual([
      "src/low/a.ts:2 → src/mid/c.ts  (low → mid: upward import type, not in UPWARD_TYPE_IMPORTS)",
      "UPWARD_TYPE_IMPORTS entry src/low/x.ts → src/mid/b.ts matches no upward import type any more: remove or update it",
    ]);
  });

  test("an unlisted folder, a file in src/ itself, the barrel imported from below and an unresolved import fail", () => {
    const graph = graphOf({
      "src/extra/a.ts": `export const a = 1;`,
      "src/stray.ts": `export const s = 1;`,
      "src/index.ts": `export * from "./low";`,
      "src/low/index.ts": `import { x } from "../index";\nimport { y } from "./missing";`,
    });
    expect(layerRule(graph, LAYERS, [])).toEqual([
      "src/extra/ (1 file) is in no layer: place it deliberately in LAYERS, or move it into a layer folder",
      "src/stray.ts (1 file) is in no layer: place it deliberately in LAYERS, or move it into a layer folder",
      `src/low/index.ts:2 imports "./missing", which resolves to no file`,
      "src/low/index.ts:1 → src/index.ts  (low → index: upward runtime import)",
    ]);
  });
});

describe("cycle rules", () => {
  test("file cycles count type-only hops and are shown as chains; folder cycles count runtime imports only", () => {
    const graph = graphOf({
      "src/low/a.ts": `import { b } from "./b";`,
      "src/low/b.ts": `import type { A } from "./a";`,
      "src/low/c.ts": `import { d } from "../mid/d";`,
      "src/mid/d.ts": `import type { C } from "../low/c";\nimport { e } from "../high/e";`,
      "src/high/e.ts": `import { a } from "../low/a";`,
    });
    expect(fileCycleRule(graph)).toEqual([
      "src/low/a.ts → src/low/b.ts →(type) src/low/a.ts",
      "src/low/c.ts → src/mid/d.ts →(type) src/low/c.ts",
    ]);
    // low → mid (c → d), mid → high (d → e), high → low (e → a): a runtime cycle between folders
    expect(folderCycleRule(graph)).toEqual([
      "high → low (src/high/e.ts:1 → src/low/a.ts) → mid (src/low/c.ts:1 → src/mid/d.ts) → high (src/mid/d.ts:2 → src/high/e.ts)",
    ]);
  });

  test("a type-only edge back does not make a folder cycle", () => {
    const graph = graphOf({
      "src/low/a.ts": `import type { B } from "../mid/b";`,
      "src/mid/b.ts": `import { a } from "../low/a";`,
    });
    expect(folderCycleRule(graph)).toEqual([]);
  });
});

describe("AsyncLocalStorage rule", () => {
  test("one construction in one file passes; comments and strings do not count", () => {
    const graph = graphOf({
      "src/low/context.ts": `import { AsyncLocalStorage } from "node:async_hooks";\nexport class Ctx { private readonly als = new AsyncLocalStorage<number>(); }`,
      "src/low/other.ts": `// new AsyncLocalStorage() is in context.ts\nconst s = "new AsyncLocalStorage()";`,
    });
    expect(asyncLocalStorageRule(graph)).toEqual([]);
  });

  test("a second construction (also through a namespace import) and a second importer are reported", () => {
    const graph = graphOf({
      "src/low/context.ts": `import { AsyncLocalStorage } from "node:async_hooks";\nconst a = new AsyncLocalStorage();`,
      "src/mid/more.ts": `import * as hooks from "async_hooks";\nconst b = new hooks.AsyncLocalStorage();`,
    });
    expect(asyncLocalStorageRule(graph)).toEqual([
      "expected exactly one `new AsyncLocalStorage` in src/, found 2:",
      "  new AsyncLocalStorage at src/low/context.ts:2",
      "  new AsyncLocalStorage at src/mid/more.ts:2",
      "AsyncLocalStorage is imported in 2 files (at most one may):",
      "  src/low/context.ts",
      "  src/mid/more.ts",
    ]);
  });
});

describe("third-party rule", () => {
  test("confinement counts type imports; typeorm deep imports and dist paths are reported; node built-ins are fine", () => {
    const graph = graphOf({
      "src/di/ok.ts": `import { container } from "tsyringe";\nimport { randomUUID } from "node:crypto";\nimport { join } from "path";`,
      "src/http/bad.ts": `import type { DependencyContainer } from "tsyringe";`,
      "src/di/deep.ts": `import type { Transform } from "tsyringe/dist/typings/types";\nimport { ColumnMetadata } from "typeorm/metadata/ColumnMetadata";`,
      "src/di/doc.ts": `/** @example import express from "express"; */\nexport {};`,
    });
    expect(thirdPartyRule(graph, { tsyringe: "di", express: "http" })).toEqual([
      `src/http/bad.ts:1 imports "tsyringe" (type-only): tsyringe belongs in src/di/ only`,
      `src/di/deep.ts:1 imports "tsyringe/dist/typings/types" (type-only): "dist/" is a private path of tsyringe`,
      `src/di/deep.ts:2 imports "typeorm/metadata/ColumnMetadata": deep import into typeorm; import from the package root "typeorm"`,
    ]);
  });
});

describe("barrel rule", () => {
  test("re-exports of every form pass; a doc comment is fine", () => {
    const graph = graphOf({
      "src/index.ts": `/** The public API. */\nexport * from "./a";\nexport * as b from "./b";\nexport { c, type D } from "./c";\nexport type { E } from "./e"\nexport type * from "./f";`,
    });
    expect(barrelRule(graph)).toEqual([]);
  });

  test("declarations, local exports, side effects and scaffolding comments are reported", () => {
    const graph = graphOf({
      "src/index.ts": [
        `export * from "./a";`,
        `import "reflect-metadata";`,
        `export const version = {`,
        `  major: 1,`,
        `};`,
        `// --- bulk (issue 4 adds its exports below this line)`,
        `const x = 1;`,
        `export { x };`,
        `export { y } from "./y";`,
      ].join("\n"),
    });
    expect(barrelRule(graph)).toEqual([
      `src/index.ts:2: not an \`export … from\`: import "reflect-metadata";`,
      "src/index.ts:3: not an `export … from`: export const version = {",
      "src/index.ts:8: not an `export … from`: export { x };",
      "src/index.ts:6: scaffolding comment: // --- bulk (issue 4 adds its exports below this line)",
    ]);
  });
});

describe("module-level mutable state rule", () => {
  const declared = (source: string, extra: Record<string, string> = {}) =>
    moduleStateDeclarations(graphOf({ "src/low/m.ts": source, ...extra })).map((d) => `${d.file}:${d.line} ${d.name}: ${d.what}`);

  test("top-level let and var are state; block-level ones and loop variables are not", () => {
    expect(declared(`let count = 0;\nexport var flag = false;\nfunction f() { let local = 1; for (let i = 0; i < 2; i++) local += i; return local; }\nfor (const k of []) {}`)).toEqual([
      "src/low/m.ts:1 count: top-level let",
      "src/low/m.ts:2 flag: top-level var",
    ]);
  });

  test("collections and literals count only when mutated; lookup tables and `as const` do not", () => {
    const source = [
      `const LOOKUP = new Set(["a", "b"]);`,
      `const TABLE: Record<string, number> = { a: 1 };`,
      `const NAMES = ["x", "y"] as const;`,
      `const ORDER = ["x", "y"];`,
      `const registry = new Map<string, number>();`,
      `const pending: string[] = [];`,
      `const byKey: Record<string, number> = {};`,
      `const dict = Object.create(null) as Record<string, number>;`,
      `const copied = Array.from(ORDER);`,
      `export function use(k: string) {`,
      `  if (LOOKUP.has(k)) registry.set(k, TABLE[k] ?? ORDER.indexOf(k));`,
      `  pending.push(k);`,
      `  byKey[k] = NAMES.length;`,
      `  dict[k] ??= copied.length;`,
      `  copied.length = 0;`,
      `  return [...ORDER].sort();`,
      `}`,
    ].join("\n");
    expect(declared(source)).toEqual([
      "src/low/m.ts:5 registry: top-level new Map, mutated: registry.set() (line 11)",
      "src/low/m.ts:6 pending: top-level array literal, mutated: pending.push() (line 12)",
      "src/low/m.ts:7 byKey: top-level object literal, mutated: byKey[…] = (line 13)",
      "src/low/m.ts:8 dict: top-level Object.create(), mutated: dict[…] ??= (line 14)",
      "src/low/m.ts:9 copied: top-level Array.from(), mutated: copied.length = (line 15)",
    ]);
  });

  test("an AsyncLocalStorage at module level is always state; an exported array mutated by an importer too", () => {
    const importer = { "src/mid/user.ts": `import { LIST } from "../low/m";\nLIST.push(3);` };
    expect(declared(`const als = new AsyncLocalStorage();\nexport const LIST = [1, 2];`, importer)).toEqual([
      "src/low/m.ts:1 als: top-level new AsyncLocalStorage",
      "src/low/m.ts:2 LIST: top-level array literal, mutated: LIST.push() (line 2 in src/mid/user.ts)",
    ]);
  });

  test("static fields of a top-level class: mutable unless readonly; methods, accessors and static blocks are fine", () => {
    const source = [
      `export class Registry {`,
      `  static instances = 0;`,
      `  private static readonly all = new Set<Registry>();`,
      `  static readonly LIMIT = 10;`,
      `  static get size() { return Registry.all.size; }`,
      `  static create() { Registry.all.add(new Registry()); return Registry.instances++; }`,
      `  static { void 0; }`,
      `  count = 0;`,
      `}`,
    ].join("\n");
    expect(declared(source)).toEqual([
      "src/low/m.ts:2 instances: static field (not readonly)",
      "src/low/m.ts:3 all: static readonly new Set, mutated",
    ]);
  });

  test("a listed pure cache is allowed and reported as such; a stale entry fails", () => {
    const graph = graphOf({ "src/low/m.ts": `const cache = new WeakMap<object, number>();\nexport const f = (k: object) => { cache.set(k, 1); };` });
    const result = mutableStateRule(graph, [
      { file: "src/low/m.ts", name: "cache", why: "derived" },
      { file: "src/low/gone.ts", name: "cache", why: "moved" },
    ]);
    expect(result).toEqual({
      offenders: ["PURE_CACHES entry src/low/gone.ts cache matches no module-level state any more: remove or update it"],
      allowed: ["src/low/m.ts:1 cache: top-level new WeakMap, mutated: cache.set() (line 2)  [allowed: derived]"],
    });
  });
});
