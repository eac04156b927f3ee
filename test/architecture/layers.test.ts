/**
 * The architecture of src/, checked on every `npm test`: one-way layers, no import cycles, one
 * AsyncLocalStorage, third-party libraries confined to their folder, a re-export-only barrel, and no
 * module-level mutable state beyond pure memo caches. Imports are read from the source text by
 * ./import-parser (tested in ./import-parser.test.ts); comments and strings never count.
 */
import {
  asyncLocalStorageRule,
  barrelRule,
  fileCycleRule,
  folderCycleRule,
  layerRule,
  mutableStateRule,
  thirdPartyRule,
  unbalancedFiles,
  type PureCache,
  type UpwardTypeImport,
} from "./architecture-rules";
import { loadSourceGraph } from "./source-graph";

/**
 * The layers, lowest first. A file may import runtime code from its own folder and the folders before
 * it; src/index.ts sits above them all. A folder under src/ that is not listed fails the layer rule, so
 * a new folder gets a place on purpose. (`factory/` is not listed: it is being merged into `repository/`.)
 */
const LAYERS = ["errors", "config", "query", "unit-of-work", "analyzer", "telemetry", "repository", "bulk", "bootstrap", "di", "http", "testing", "cli"];

/**
 * Upward `import type` edges that are allowed (STYLE.md: "upward references only as import type").
 * Each entry is one file → file edge with the reason it cannot point downward; the owners of the two
 * folders add entries. An entry that no longer matches an import fails the test, so the list stays true.
 */
const UPWARD_TYPE_IMPORTS: UpwardTypeImport[] = [];

/** Each third-party package and the one folder of src/ that may import it (type imports included). */
const CONFINEMENT: Record<string, string> = {
  tsyringe: "di",
  express: "http",
  fastify: "http",
  koa: "http",
  "libpg-query": "analyzer",
  "pg-copy-streams": "bulk",
  pino: "config",
  "class-validator": "repository",
  "@opentelemetry/api": "telemetry",
};

/**
 * Module-level collections that are pure memo caches: what they hold is derived only from the key,
 * so dropping an entry changes nothing but speed, and no request, unit of work or test can see
 * another one's data through them. Anything else at module level (counters, registries, locators,
 * `let` bindings, an AsyncLocalStorage) is state and fails the rule.
 */
const PURE_CACHES: PureCache[] = [
  {
    file: "src/query/entity-fields.ts",
    name: "cache",
    why: "EntityMetadata → its queryable columns and relations, computed from the metadata alone; WeakMap-keyed",
  },
  {
    file: "src/query/column-value.ts",
    name: "kinds",
    why: "ColumnMetadata → its column kind (integer, string, date …), computed from the column's type alone; WeakMap-keyed",
  },
  {
    file: "src/analyzer/statement-shape.ts",
    name: "cache",
    why: "parsed-SQL cache: SQL text → statement shape (fingerprint, tables, slots), bounded at 5000 entries",
  },
  {
    file: "src/analyzer/source-position.ts",
    name: "positions",
    why: "stack frame position → the source position (and its `file:line:column`) it maps to; bounded at 10 000 entries",
  },
  {
    file: "src/analyzer/source-position.ts",
    name: "sidecarMaps",
    why: "compiled file → its parsed `//# sourceMappingURL` source map (or null), read from disk once",
  },
  {
    file: "src/analyzer/source-position.ts",
    name: "transpiledMaps",
    why: "TypeScript file → the source map of compiling it again with @swc/core (or null), computed once",
  },
  {
    file: "src/analyzer/statement-shape.ts",
    name: "loading",
    why: "libpg-query's WebAssembly parser, loaded once per process on first need (as `require` loads any module)",
  },
  {
    file: "src/analyzer/statement-shape.ts",
    name: "parser",
    why: "the loaded parser module itself: stateless functions, the same for every analyzer",
  },
  {
    file: "src/di/request-container.ts",
    name: "applicationContainers",
    why: "Unitwork instance → its own application container (WeakMap keyed by the instance): no instance sees another's",
  },
  {
    file: "src/testing/resolve-analyzers.ts",
    name: "announced",
    why: "unitwork/testing's list of analyzers announced on the diagnostics channel: test tooling, not the library",
  },
];

/** Fails with one line per offender under a heading that says what the rule wants. */
function expectNone(rule: string, offenders: readonly string[]): void {
  if (offenders.length === 0) return;
  throw new Error(`${rule}\n${offenders.length} offender(s):\n  ${offenders.join("\n  ")}`);
}

describe("architecture of src/", () => {
  const graph = loadSourceGraph();

  test("the import graph was read (a parser that finds nothing would pass every rule)", () => {
    expect(graph.files.size).toBeGreaterThan(50);
    expect(graph.edges.length).toBeGreaterThan(100);
    expect(graph.packages.some((p) => p.packageName === "typeorm")).toBe(true);
    expect(unbalancedFiles(graph)).toEqual([]);
  });

  test("1. layers import one way: runtime imports only from the same or a lower layer", () => {
    expectNone(
      `Layer order (lowest first): ${LAYERS.join(" → ")} → src/index.ts. ` +
        "Runtime imports point down; an upward import type needs an UPWARD_TYPE_IMPORTS entry.",
      layerRule(graph, LAYERS, UPWARD_TYPE_IMPORTS),
    );
  });

  test("2a. no import cycles between files (runtime and type-only imports)", () => {
    expectNone("Import cycles between files (→(type) marks a type-only hop):", fileCycleRule(graph));
  });

  test("2b. no cycles between folders through runtime imports", () => {
    expectNone("Runtime import cycles between folders (each hop with one file edge that makes it):", folderCycleRule(graph));
  });

  test("3. exactly one `new AsyncLocalStorage` in src/, imported in one file", () => {
    expectNone("The async context has one carrier:", asyncLocalStorageRule(graph));
  });

  test("4. third-party libraries stay in their folder; no deep or private imports", () => {
    expectNone(
      `Confinement: ${Object.entries(CONFINEMENT).map(([pkg, folder]) => `${pkg} → src/${folder}/`).join(", ")}; ` +
        "typeorm only through its package root; no package's dist/lib/internal paths.",
      thirdPartyRule(graph, CONFINEMENT),
    );
  });

  test("5. src/index.ts only re-exports (`export … from`), with no scaffolding comments", () => {
    expectNone("src/index.ts is the public surface and nothing else:", barrelRule(graph));
  });

  test("6. no module-level mutable state in src/ beyond the listed pure caches", () => {
    const { offenders } = mutableStateRule(graph, PURE_CACHES);
    expectNone("Module-level mutable state (top-level let/var, mutated collections, ALS, static fields); pure caches go in PURE_CACHES:", offenders);
  });
});
