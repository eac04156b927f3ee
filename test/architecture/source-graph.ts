/**
 * The files under src/ and the module references between them, for the architecture tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { parseImports, scan, type ImportRecord, type Scanned } from "./import-parser";

export const ROOT = resolve(__dirname, "../..");
export const SRC = join(ROOT, "src");

export interface SourceFile {
  /** Repository-relative path with forward slashes: `src/errors/index.ts`. */
  path: string;
  text: string;
  scanned: Scanned;
  imports: ImportRecord[];
}

/** A reference from one src file to another. */
export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  line: number;
  specifier: string;
  record: ImportRecord;
}

/** A reference from a src file to a package. */
export interface PackageReference {
  from: string;
  /** `typeorm`, `@scope/name`. */
  packageName: string;
  /** What follows the package name, without the slash: `dist/typings/types`, or `""`. */
  subpath: string;
  record: ImportRecord;
}

export interface SourceGraph {
  files: Map<string, SourceFile>;
  edges: Edge[];
  packages: PackageReference[];
  /** Relative references that point at no file. */
  unresolved: { from: string; record: ImportRecord }[];
}

const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];

export const toRepoPath = (absolute: string) => relative(ROOT, absolute).split(sep).join("/");

function listSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...listSources(full));
    else if (SOURCE_EXTENSIONS.some((ext) => entry.endsWith(ext))) found.push(full);
  }
  return found;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** Resolves a relative specifier the way TypeScript does for this project: `./x`, `./x.js`, `./folder` (its index). */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const candidates: string[] = [];
  const js = /\.(m|c)?jsx?$/.exec(base);
  if (js) {
    const stem = base.slice(0, -js[0].length);
    candidates.push(`${stem}.${js[1] ?? ""}ts`, `${stem}.tsx`);
  }
  candidates.push(base, ...SOURCE_EXTENSIONS.map((ext) => base + ext), `${base}.d.ts`, ...SOURCE_EXTENSIONS.map((ext) => join(base, `index${ext}`)));
  return candidates.find((c) => (c === base || SOURCE_EXTENSIONS.some((ext) => c.endsWith(ext))) && isFile(c));
}

const BUILTINS = new Set(builtinModules);

/** `{ packageName, subpath }` of a bare specifier, or `undefined` for a Node built-in. */
export function splitPackage(specifier: string): { packageName: string; subpath: string } | undefined {
  if (specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!)) return undefined;
  const parts = specifier.split("/");
  const count = specifier.startsWith("@") ? 2 : 1;
  return { packageName: parts.slice(0, count).join("/"), subpath: parts.slice(count).join("/") };
}

/** Resolves a relative specifier among known repository paths (`src/a/b.ts`), TypeScript style. */
function resolveAmong(paths: ReadonlySet<string>, fromPath: string, specifier: string): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  const candidates: string[] = [];
  const js = /\.(m|c)?jsx?$/.exec(base);
  if (js) candidates.push(`${base.slice(0, -js[0].length)}.${js[1] ?? ""}ts`, `${base.slice(0, -js[0].length)}.tsx`);
  candidates.push(base, ...SOURCE_EXTENSIONS.map((ext) => base + ext), ...SOURCE_EXTENSIONS.map((ext) => `${base}/index${ext}`));
  return candidates.find((c) => paths.has(c));
}

/**
 * The graph of the given sources (repository path → text). Relative references resolve among those
 * paths first, then on disk (a file outside src/).
 */
export function buildSourceGraph(sources: ReadonlyMap<string, string>): SourceGraph {
  const files = new Map<string, SourceFile>();
  for (const [path, text] of sources) {
    const scanned = scan(text);
    files.set(path, { path, text, scanned, imports: parseImports(scanned) });
  }
  const paths = new Set(files.keys());
  const edges: Edge[] = [];
  const packages: PackageReference[] = [];
  const unresolved: SourceGraph["unresolved"] = [];
  for (const file of files.values()) {
    for (const record of file.imports) {
      const { specifier } = record;
      if (specifier.startsWith(".") || specifier.startsWith("/")) {
        const inGraph = resolveAmong(paths, file.path, specifier);
        const onDisk = inGraph === undefined ? resolveRelative(join(ROOT, file.path), specifier) : undefined;
        const target = inGraph ?? (onDisk === undefined ? undefined : toRepoPath(onDisk));
        if (target === undefined) unresolved.push({ from: file.path, record });
        else edges.push({ from: file.path, to: target, typeOnly: record.typeOnly, line: record.line, specifier, record });
      } else {
        const pkg = splitPackage(specifier);
        if (pkg) packages.push({ from: file.path, ...pkg, record });
      }
    }
  }
  return { files, edges, packages, unresolved };
}

let cached: SourceGraph | undefined;

/** Reads and parses every source file under src/ (once per test file). */
export function loadSourceGraph(): SourceGraph {
  cached ??= buildSourceGraph(new Map(listSources(SRC).map((absolute) => [toRepoPath(absolute), readFileSync(absolute, "utf8")])));
  return cached;
}
