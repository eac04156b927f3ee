/**
 * The checks behind test/architecture/layers.test.ts. Each returns the offending edges or lines as
 * readable strings (empty when the rule holds); the allow-lists live in the test.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Checked, Token } from "./import-parser";
import { ROOT, type Edge, type SourceFile, type SourceGraph } from "./source-graph";

/** The top of the layer order: it may import anything. */
export const BARREL = "src/index.ts";

/** An upward `import type` that the owners of both folders agreed to. */
export interface UpwardTypeImport {
  from: string;
  to: string;
  why: string;
}

/** A module-level collection that only memoizes data derived from its key. */
export interface PureCache {
  file: string;
  name: string;
  why: string;
}

// ---------------------------------------------------------------------------------------------------
// Layers

/** The folder of a src file (`errors`), `index` for src/index.ts, or `undefined` for a file in src/ itself. */
export function folderOf(path: string): string | undefined {
  if (path === BARREL) return "index";
  const match = /^src\/([^/]+)\//.exec(path);
  return match ? match[1] : undefined;
}

export function layerRule(graph: SourceGraph, layers: readonly string[], allowed: readonly UpwardTypeImport[]): string[] {
  const offenders: string[] = [];
  const rank = (path: string): number | undefined => {
    const folder = folderOf(path);
    if (folder === "index") return layers.length;
    const index = folder === undefined ? -1 : layers.indexOf(folder);
    return index === -1 ? undefined : index;
  };
  const unplaced = new Map<string, number>();
  for (const path of graph.files.keys()) {
    if (rank(path) !== undefined) continue;
    const folder = folderOf(path);
    const key = folder === undefined ? path : `src/${folder}/`;
    unplaced.set(key, (unplaced.get(key) ?? 0) + 1);
  }
  for (const [where, count] of unplaced) {
    offenders.push(`${where} (${count} file${count === 1 ? "" : "s"}) is in no layer: place it deliberately in LAYERS, or move it into a layer folder`);
  }
  for (const { from, record } of graph.unresolved) {
    offenders.push(`${from}:${record.line} imports "${record.specifier}", which resolves to no file`);
  }
  const used = new Set<UpwardTypeImport>();
  for (const edge of graph.edges) {
    if (!edge.to.startsWith("src/")) {
      offenders.push(`${at(edge)} → ${edge.to}: src/ imports a file outside src/`);
      continue;
    }
    const fromRank = rank(edge.from);
    const toRank = rank(edge.to);
    if (fromRank === undefined || toRank === undefined || toRank <= fromRank) continue;
    const direction = `${folderOf(edge.from)} → ${folderOf(edge.to)}`;
    if (!edge.typeOnly) {
      offenders.push(`${at(edge)} → ${edge.to}  (${direction}: upward runtime import)`);
      continue;
    }
    const entry = allowed.find((a) => a.from === edge.from && a.to === edge.to);
    if (entry) used.add(entry);
    else offenders.push(`${at(edge)} → ${edge.to}  (${direction}: upward import type, not in UPWARD_TYPE_IMPORTS)`);
  }
  for (const entry of allowed) {
    if (!used.has(entry)) offenders.push(`UPWARD_TYPE_IMPORTS entry ${entry.from} → ${entry.to} matches no upward import type any more: remove or update it`);
  }
  return offenders;
}

const at = (edge: Edge) => `${edge.from}:${edge.line}`;

// ---------------------------------------------------------------------------------------------------
// Cycles

type Graph = Map<string, Map<string, Edge>>;

/** Strongly connected components with a cycle (more than one node, or a node importing itself). */
function cyclicComponents(graph: Graph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string) => {
    indices.set(node, index);
    lowlink.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        connect(next);
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, indices.get(next)!));
      }
    }
    if (lowlink.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) connect(node);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The shortest cycle through each node of a component, deduplicated (rotated to start at its smallest node). */
function cyclesOf(graph: Graph, component: string[], limit: number): string[][] {
  const members = new Set(component);
  const seen = new Set<string>();
  const cycles: string[][] = [];
  for (const start of component) {
    const previous = new Map<string, string>();
    const queue = [start];
    let found: string[] | undefined;
    for (let head = 0; head < queue.length && !found; head++) {
      const node = queue[head]!;
      for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
        if (!members.has(next)) continue;
        if (next === start) {
          const path = [node];
          while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
          found = path;
          break;
        }
        if (!previous.has(next)) {
          previous.set(next, node);
          queue.push(next);
        }
      }
    }
    if (!found) continue;
    const smallest = found.indexOf([...found].sort()[0]!);
    const rotated = [...found.slice(smallest), ...found.slice(0, smallest)];
    const key = rotated.join("\n");
    if (seen.has(key)) continue;
    seen.add(key);
    cycles.push(rotated);
    if (cycles.length >= limit) break;
  }
  return cycles;
}

function addEdge(graph: Graph, from: string, to: string, edge: Edge) {
  let targets = graph.get(from);
  if (!targets) graph.set(from, (targets = new Map()));
  const known = targets.get(to);
  // A runtime edge is the one worth showing when both kinds exist.
  if (!known || (known.typeOnly && !edge.typeOnly)) targets.set(to, edge);
}

const MAX_CYCLES_PER_COMPONENT = 25;

/** Import cycles between files, through runtime and type-only imports alike. */
export function fileCycleRule(graph: SourceGraph): string[] {
  const files: Graph = new Map();
  for (const edge of graph.edges) if (edge.to.startsWith("src/")) addEdge(files, edge.from, edge.to, edge);
  const offenders: string[] = [];
  for (const component of cyclicComponents(files)) {
    const cycles = cyclesOf(files, component, MAX_CYCLES_PER_COMPONENT);
    for (const cycle of cycles) {
      const hops = cycle.map((from, k) => {
        const to = cycle[(k + 1) % cycle.length]!;
        const edge = files.get(from)!.get(to)!;
        return ` →${edge.typeOnly ? "(type)" : ""} ${to}`;
      });
      offenders.push(`${cycle[0]}${hops.join("")}`);
    }
    if (component.length > 2 && cycles.length >= MAX_CYCLES_PER_COMPONENT) {
      offenders.push(`  … and more cycles among these ${component.length} files: ${component.join(", ")}`);
    }
  }
  return offenders;
}

/** Cycles between folders through runtime imports; each hop names one file edge that makes it. */
export function folderCycleRule(graph: SourceGraph): string[] {
  const folders: Graph = new Map();
  for (const edge of graph.edges) {
    if (edge.typeOnly || !edge.to.startsWith("src/")) continue;
    const from = folderOf(edge.from) ?? "(src root)";
    const to = folderOf(edge.to) ?? "(src root)";
    if (from !== to) addEdge(folders, from, to, edge);
  }
  const offenders: string[] = [];
  for (const component of cyclicComponents(folders)) {
    for (const cycle of cyclesOf(folders, component, MAX_CYCLES_PER_COMPONENT)) {
      const hops = cycle.map((from, k) => {
        const to = cycle[(k + 1) % cycle.length]!;
        const edge = folders.get(from)!.get(to)!;
        return ` → ${to} (${at(edge)} → ${edge.to})`;
      });
      offenders.push(`${cycle[0]}${hops.join("")}`);
    }
  }
  return offenders;
}

// ---------------------------------------------------------------------------------------------------
// AsyncLocalStorage

const ASYNC_HOOKS = new Set(["async_hooks", "node:async_hooks"]);

/** Every `new AsyncLocalStorage` (also `new hooks.AsyncLocalStorage`), as `file:line`. */
export function asyncLocalStorageConstructions(graph: SourceGraph): string[] {
  const found: string[] = [];
  for (const file of graph.files.values()) {
    const tokens = file.scanned.tokens;
    tokens.forEach((token, k) => {
      if (!isName(token, "new")) return;
      let j = k + 1;
      while (isName(tokens[j]) && isPunct(tokens[j + 1], ".")) j += 2;
      if (isName(tokens[j], "AsyncLocalStorage")) found.push(`${file.path}:${token.line}`);
    });
  }
  return found;
}

/** Files that import `AsyncLocalStorage` from node:async_hooks (named, or through a namespace or require). */
export function asyncLocalStorageImporters(graph: SourceGraph): string[] {
  const files: string[] = [];
  for (const file of graph.files.values()) {
    const fromHooks = file.imports.filter((r) => ASYNC_HOOKS.has(r.specifier));
    const named = fromHooks.some((r) => r.names.includes("AsyncLocalStorage"));
    const whole = fromHooks.some((r) => r.names.includes("*") || r.names.includes("default") || r.form === "require" || r.form === "dynamic");
    const used = file.scanned.tokens.some((t, k) => isName(t, "AsyncLocalStorage") && isPunct(file.scanned.tokens[k - 1], "."));
    if (named || (whole && used)) files.push(file.path);
  }
  return files;
}

export function asyncLocalStorageRule(graph: SourceGraph): string[] {
  const offenders: string[] = [];
  const constructions = asyncLocalStorageConstructions(graph);
  if (constructions.length !== 1) {
    offenders.push(`expected exactly one \`new AsyncLocalStorage\` in src/, found ${constructions.length}${constructions.length ? ":" : ""}`);
    offenders.push(...constructions.map((c) => `  new AsyncLocalStorage at ${c}`));
  }
  const importers = asyncLocalStorageImporters(graph);
  if (importers.length > 1) {
    offenders.push(`AsyncLocalStorage is imported in ${importers.length} files (at most one may):`);
    offenders.push(...importers.map((f) => `  ${f}`));
  }
  return offenders;
}

// ---------------------------------------------------------------------------------------------------
// Third-party libraries

/** Path segments that are a package's build output or internals, never its public API. */
const PRIVATE_SEGMENTS = new Set(["dist", "lib", "build", "src", "esm", "cjs", "es", "out", "internal", "internals", "private", "typings"]);

/** Whether `./subpath` is a key (or a `*` pattern) of a package's `exports`; `undefined` when it has none. */
function exportedSubpath(packageName: string, subpath: string): boolean | undefined {
  const manifest = join(ROOT, "node_modules", packageName, "package.json");
  if (!existsSync(manifest)) return undefined;
  const exportsField = (JSON.parse(readFileSync(manifest, "utf8")) as { exports?: unknown }).exports;
  if (typeof exportsField !== "object" || exportsField === null || Array.isArray(exportsField)) return undefined;
  const keys = Object.keys(exportsField);
  if (!keys.some((k) => k.startsWith("."))) return undefined; // conditions only: the root alone
  const wanted = `./${subpath}`;
  return keys.some((key) => {
    const star = key.indexOf("*");
    if (star === -1) return key === wanted;
    return wanted.startsWith(key.slice(0, star)) && wanted.endsWith(key.slice(star + 1)) && wanted.length >= key.length - 1;
  });
}

export function thirdPartyRule(graph: SourceGraph, confinement: Readonly<Record<string, string>>): string[] {
  const offenders: string[] = [];
  for (const ref of graph.packages) {
    const where = `${ref.from}:${ref.record.line} imports "${ref.record.specifier}"${ref.record.typeOnly ? " (type-only)" : ""}`;
    const home = confinement[ref.packageName];
    if (home !== undefined && !ref.from.startsWith(`src/${home}/`)) {
      offenders.push(`${where}: ${ref.packageName} belongs in src/${home}/ only`);
    }
    if (ref.packageName === "typeorm" && ref.subpath !== "") {
      offenders.push(`${where}: deep import into typeorm; import from the package root "typeorm"`);
    } else if (ref.subpath !== "") {
      const privateSegment = ref.subpath.split("/").find((segment) => PRIVATE_SEGMENTS.has(segment));
      const exported = exportedSubpath(ref.packageName, ref.subpath);
      if (privateSegment !== undefined) offenders.push(`${where}: "${privateSegment}/" is a private path of ${ref.packageName}`);
      else if (exported === false) offenders.push(`${where}: "./${ref.subpath}" is not in the exports of ${ref.packageName}`);
    }
  }
  return offenders;
}

// ---------------------------------------------------------------------------------------------------
// src/index.ts

/** Comments that are leftovers of scaffolding, not documentation. */
const SCAFFOLDING = [/\bissue\s*#?\d+/i, /\badds?\s+(its|their)?\s*exports?\b/i, /below this line/i, /\b(TODO|FIXME|XXX|TBD)\b/, /placeholder/i];

export function barrelRule(graph: SourceGraph): string[] {
  const file = graph.files.get(BARREL);
  if (!file) return [`${BARREL} does not exist`];
  const offenders: string[] = [];
  const tokens = file.scanned.tokens;
  const lines = file.text.split("\n");
  let k = 0;
  while (k < tokens.length) {
    const end = reExportEnd(tokens, k);
    if (end !== undefined) {
      k = end;
      continue;
    }
    const line = tokens[k]!.line;
    offenders.push(`${BARREL}:${line}: not an \`export … from\`: ${lines[line - 1]!.trim()}`);
    // Skip to the next statement that starts with export or import on a later line, at the top level.
    let depth = 0;
    for (k++; k < tokens.length; k++) {
      const t = tokens[k]!;
      if (depth === 0 && t.line > line && (isName(t, "export") || isName(t, "import"))) break;
      depth += depthChange(t);
    }
  }
  for (const comment of file.scanned.comments) {
    if (SCAFFOLDING.some((re) => re.test(comment.text))) {
      offenders.push(`${BARREL}:${comment.line}: scaffolding comment: ${comment.text.split("\n")[0]!.trim()}`);
    }
  }
  return offenders;
}

/** The index after `export [type] (* [as x] | { … }) from "m" [with { … }] [;]` starting at `k`, or `undefined`. */
function reExportEnd(tokens: Token[], k: number): number | undefined {
  if (!isName(tokens[k], "export")) return undefined;
  let j = k + 1;
  if (isName(tokens[j], "type") && (isPunct(tokens[j + 1], "{") || isPunct(tokens[j + 1], "*"))) j++;
  if (isPunct(tokens[j], "*")) {
    j++;
    if (isName(tokens[j], "as") && isName(tokens[j + 1])) j += 2;
  } else if (isPunct(tokens[j], "{")) {
    while (j < tokens.length && !isPunct(tokens[j], "}")) j++;
    j++;
  } else {
    return undefined;
  }
  if (!isName(tokens[j], "from") || tokens[j + 1]?.kind !== "string") return undefined;
  j += 2;
  if ((isName(tokens[j], "with") || isName(tokens[j], "assert")) && isPunct(tokens[j + 1], "{")) {
    while (j < tokens.length && !isPunct(tokens[j], "}")) j++;
    j++;
  }
  if (isPunct(tokens[j], ";")) j++;
  return j;
}

// ---------------------------------------------------------------------------------------------------
// Module-level mutable state

type StateKind = "Map" | "Set" | "WeakMap" | "WeakSet" | "AsyncLocalStorage" | "array" | "object";

const MUTATORS: Record<StateKind, readonly string[]> = {
  Map: ["set", "delete", "clear"],
  Set: ["add", "delete", "clear"],
  WeakMap: ["set", "delete"],
  WeakSet: ["add", "delete"],
  AsyncLocalStorage: ["enterWith", "disable"],
  array: ["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"],
  object: [],
};

const ASSIGNMENT = new Set(["=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=", "&&=", "||=", "??=", "++", "--"]);

export interface StateDeclaration {
  file: string;
  name: string;
  line: number;
  /** What makes it state: `let`, `new Map (mutated: cache.set)`, … */
  what: string;
}

/**
 * Files whose tokens do not nest back to zero: the scanner lost its way (a regular expression taken
 * for a division, say), so what the rules read from that file cannot be trusted.
 */
export function unbalancedFiles(graph: SourceGraph): string[] {
  return [...graph.files.values()]
    .filter((file) => {
      let depth = 0;
      for (const token of file.scanned.tokens) if ((depth += depthChange(token)) < 0) return true;
      return depth !== 0;
    })
    .map((file) => file.path);
}

/** Net nesting change of a token: brackets, braces, parentheses and template substitutions. */
function depthChange(token: Token): number {
  if (token.kind === "punct") return "([{".includes(token.value) ? 1 : ")]}".includes(token.value) ? -1 : 0;
  if (token.kind === "template") return (token.value.startsWith("}") ? -1 : 0) + (token.value.endsWith("${") ? 1 : 0);
  return 0;
}

/** Tokens with their nesting depth before the token. */
function withDepth(tokens: Token[]): number[] {
  const depths: number[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === "punct" && ")]}".includes(token.value)) depth--;
    else if (token.kind === "template" && token.value.startsWith("}")) depth--;
    depths.push(depth);
    if (token.kind === "punct" && "([{".includes(token.value)) depth++;
    else if (token.kind === "template" && token.value.endsWith("${")) depth++;
  }
  return depths;
}

/** Where `name` (the binding, not a property of something else) is mutated in `file`, as `name.push()`, `name[…] =`, … */
function mutationsOf(file: SourceFile, name: string, kind: StateKind, declarationIndex: number): string[] {
  const tokens = file.scanned.tokens;
  const found: string[] = [];
  tokens.forEach((t, k) => {
    if (k === declarationIndex || !isName(t, name) || isPunct(tokens[k - 1], ".") || isPunct(tokens[k - 1], "?.")) return;
    const next = tokens[k + 1];
    if (isName(tokens[k - 1], "delete")) found.push(`delete ${name}… (line ${t.line})`);
    if ((isPunct(next, ".") || isPunct(next, "?.")) && isName(tokens[k + 2])) {
      const member = tokens[k + 2]!.value;
      if (isPunct(tokens[k + 3], "(") && MUTATORS[kind].includes(member)) found.push(`${name}.${member}() (line ${t.line})`);
      else if ((kind === "array" || kind === "object") && isPunct(tokens[k + 3]) && ASSIGNMENT.has(tokens[k + 3]!.value)) {
        found.push(`${name}.${member} ${tokens[k + 3]!.value} (line ${t.line})`);
      }
    } else if (isPunct(next, "[") && (kind === "array" || kind === "object")) {
      let depth = 0;
      let close = k + 1;
      for (; close < tokens.length; close++) {
        depth += depthChange(tokens[close]!);
        if (depth === 0) break;
      }
      const op = tokens[close + 1];
      if (isPunct(op) && ASSIGNMENT.has(op.value)) found.push(`${name}[…] ${op.value} (line ${t.line})`);
    }
    // Object.assign(name, …), Reflect.set(name, …)
    if (isPunct(tokens[k - 1], "(") && isName(tokens[k - 2]) && isPunct(tokens[k - 3], ".") && isName(tokens[k - 4])) {
      const call = `${tokens[k - 4]!.value}.${tokens[k - 2]!.value}`;
      if (/^(Object\.(assign|defineProperty|defineProperties|setPrototypeOf)|Reflect\.(set|defineProperty|deleteProperty))$/.test(call)) {
        found.push(`${call}(${name}, …) (line ${t.line})`);
      }
    }
  });
  return found;
}

const COLLECTIONS = new Set(["Map", "Set", "WeakMap", "WeakSet", "AsyncLocalStorage"]);
const MEMBER_MODIFIERS = new Set(["readonly", "override", "declare", "public", "private", "protected", "accessor", "abstract"]);

/** Top-level `let`/`var`, top-level collections and literals that are mutated, and static class fields. */
export function moduleStateDeclarations(graph: SourceGraph): StateDeclaration[] {
  const found: StateDeclaration[] = [];
  for (const file of graph.files.values()) {
    const tokens = file.scanned.tokens;
    const depths = withDepth(tokens);
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k]!;
      if (depths[k] !== 0 || t.kind !== "name" || isPunct(tokens[k - 1], ".")) continue;
      if ((t.value === "let" || t.value === "var") && isName(tokens[k + 1]) && !isName(tokens[k + 1], "in") && !isName(tokens[k + 1], "of")) {
        found.push({ file: file.path, name: tokens[k + 1]!.value, line: t.line, what: `top-level ${t.value}` });
      } else if (t.value === "const" && isName(tokens[k + 1])) {
        const declaration = constState(file, graph, k, depths);
        if (declaration) found.push(declaration);
      } else if (t.value === "class") {
        found.push(...staticFields(file, k, depths));
      }
    }
  }
  return found;
}

function constState(file: SourceFile, graph: SourceGraph, k: number, depths: number[]): StateDeclaration | undefined {
  const tokens = file.scanned.tokens;
  const nameToken = tokens[k + 1]!;
  let eq = k + 2;
  for (; eq < tokens.length; eq++) {
    if (depths[eq] === 0 && (isPunct(tokens[eq], "=") || isPunct(tokens[eq], ";"))) break;
  }
  if (!isPunct(tokens[eq], "=")) return undefined;
  const annotation = tokens.slice(k + 2, eq);
  const readonlyTyped = annotation.some((t) => isName(t, "readonly") || (t.kind === "name" && t.value.startsWith("Readonly")));
  const init = tokens[eq + 1];
  let kind: StateKind | undefined;
  let origin: string | undefined;
  if (isName(init, "new") && isName(tokens[eq + 2]) && COLLECTIONS.has(tokens[eq + 2]!.value)) kind = tokens[eq + 2]!.value as StateKind;
  else if (isName(init, "new") && isName(tokens[eq + 2], "Array")) kind = "array";
  else if (isPunct(init, "[")) kind = "array";
  else if (isPunct(init, "{")) kind = "object";
  else if (isName(init, "Array") && isPunct(tokens[eq + 2], ".") && (isName(tokens[eq + 3], "from") || isName(tokens[eq + 3], "of"))) {
    kind = "array";
    origin = `Array.${tokens[eq + 3]!.value}()`;
  } else if (isName(init, "Object") && isPunct(tokens[eq + 2], ".") && isName(tokens[eq + 3], "create")) {
    kind = "object";
    origin = "Object.create()";
  }
  if (!kind) return undefined;
  if (kind === "array" || kind === "object") {
    // `[…] as const` is immutable.
    let close = eq + 1;
    for (let depth = 0; close < tokens.length; close++) {
      depth += depthChange(tokens[close]!);
      if (depth === 0) break;
    }
    if (isName(tokens[close + 1], "as") && isName(tokens[close + 2], "const")) return undefined;
  }
  const base = { file: file.path, name: nameToken.value, line: nameToken.line };
  const newKind = origin ?? (kind === "array" || kind === "object" ? `${kind} literal` : `new ${kind}`);
  if (kind === "AsyncLocalStorage") return { ...base, what: `top-level ${newKind}` };
  const mutations = mutationsOf(file, nameToken.value, kind, k + 1);
  if (isName(tokens[k - 1], "export") && !readonlyTyped) {
    // An exported binding may be mutated by the files that import it.
    for (const edge of graph.edges) {
      if (edge.to !== file.path || !edge.record.names.includes(nameToken.value)) continue;
      const importer = graph.files.get(edge.from)!;
      mutations.push(...mutationsOf(importer, nameToken.value, kind, -1).map((m) => `${m.replace(/\)$/, "")} in ${edge.from})`));
    }
  }
  if (mutations.length === 0) return undefined;
  return { ...base, what: `top-level ${newKind}, mutated: ${[...new Set(mutations)].slice(0, 3).join(", ")}${mutations.length > 3 ? ", …" : ""}` };
}

/** `static` fields of a top-level class: mutable unless `readonly`; a readonly collection that is mutated counts too. */
function staticFields(file: SourceFile, classIndex: number, depths: number[]): StateDeclaration[] {
  const tokens = file.scanned.tokens;
  let open = classIndex + 1;
  while (open < tokens.length && !(isPunct(tokens[open], "{") && depths[open] === 0)) open++;
  const bodyDepth = 1;
  const found: StateDeclaration[] = [];
  for (let k = open + 1; k < tokens.length && depths[k]! >= bodyDepth; k++) {
    if (depths[k] !== bodyDepth || !isName(tokens[k], "static") || isPunct(tokens[k - 1], ".")) continue;
    let j = k + 1;
    let readonly = false;
    let declared = false;
    while (isName(tokens[j]) && MEMBER_MODIFIERS.has(tokens[j]!.value) && !isPunct(tokens[j + 1], "(") && !isPunct(tokens[j + 1], "=")) {
      if (tokens[j]!.value === "readonly") readonly = true;
      if (tokens[j]!.value === "declare") declared = true;
      j++;
    }
    const member = tokens[j];
    if (!member || isPunct(member, "{") || isPunct(member, "*")) continue; // static block, generator
    if ((isName(member, "get") || isName(member, "set") || isName(member, "async")) && !isPunct(tokens[j + 1], "(") && !isPunct(tokens[j + 1], "=") && !isPunct(tokens[j + 1], ":")) continue;
    let after = j + 1;
    if (isPunct(member, "[")) {
      while (after < tokens.length && !(isPunct(tokens[after], "]") && depths[after] === bodyDepth)) after++;
      after++;
    }
    if (isPunct(tokens[after], "?") || isPunct(tokens[after], "!")) after++;
    if (isPunct(tokens[after], "(") || isPunct(tokens[after], "<")) continue; // a method
    if (declared) continue;
    const memberName = member.value;
    if (!readonly) {
      found.push({ file: file.path, name: memberName, line: member.line, what: "static field (not readonly)" });
      continue;
    }
    let eq = after;
    while (eq < tokens.length && depths[eq]! >= bodyDepth && !isPunct(tokens[eq], "=") && !isPunct(tokens[eq], ";")) eq++;
    const init = tokens[eq + 1];
    const kind = isName(init, "new") && COLLECTIONS.has(tokens[eq + 2]?.value ?? "") ? (tokens[eq + 2]!.value as StateKind) : isPunct(init, "[") ? "array" : undefined;
    if (!isPunct(tokens[eq], "=") || !kind) continue;
    const mutated = tokens.some((t, m) => isPunct(t, ".") && isName(tokens[m + 1], memberName) && isPunct(tokens[m + 2], ".") && MUTATORS[kind].includes(tokens[m + 3]?.value ?? "") && isPunct(tokens[m + 4], "("));
    if (kind === "AsyncLocalStorage" || mutated) found.push({ file: file.path, name: memberName, line: member.line, what: `static readonly ${kind === "array" ? "array" : `new ${kind}`}${mutated ? ", mutated" : ""}` });
  }
  return found;
}

export function mutableStateRule(graph: SourceGraph, caches: readonly PureCache[]): { offenders: string[]; allowed: string[] } {
  const offenders: string[] = [];
  const allowed: string[] = [];
  const used = new Set<PureCache>();
  for (const declaration of moduleStateDeclarations(graph)) {
    const cache = caches.find((c) => c.file === declaration.file && c.name === declaration.name);
    const text = `${declaration.file}:${declaration.line} ${declaration.name}: ${declaration.what}`;
    if (cache) {
      used.add(cache);
      allowed.push(`${text}  [allowed: ${cache.why}]`);
    } else {
      offenders.push(text);
    }
  }
  for (const cache of caches) {
    if (!used.has(cache)) offenders.push(`PURE_CACHES entry ${cache.file} ${cache.name} matches no module-level state any more: remove or update it`);
  }
  return { offenders, allowed };
}

// ---------------------------------------------------------------------------------------------------

function isName(token: Token | undefined, value?: string): token is Checked {
  return token !== undefined && token.kind === "name" && (value === undefined || token.value === value);
}

function isPunct(token: Token | undefined, value?: string): token is Checked {
  return token !== undefined && token.kind === "punct" && (value === undefined || token.value === value);
}
