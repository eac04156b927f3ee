import { readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { RawFrame } from "./stack-frames";

/** A position in the source the developer wrote. @internal */
export interface SourcePosition {
  /** Relative to the working directory when under it. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `file:line:column`. */
  readonly text: string;
}

type Position = Omit<SourcePosition, "text">;

type SourceMapLike = { findEntry(line: number, column: number): Record<string, unknown> };

const sidecarMaps = new Map<string, SourceMapLike | null>();
const positions = new Map<string, SourcePosition>();

/**
 * `file:line:column` of a frame in the source the developer wrote (TypeScript), relative to the
 * working directory. Source maps come from, in order: Node's own cache (`--enable-source-maps`),
 * an installed `source-map-support` (`@swc/register`, ts-node), a `//# sourceMappingURL` next to the
 * compiled file, and for a `.ts` file run by a loader that keeps its map private (jest with
 * `@swc/jest`) the map of the same file compiled again with `@swc/core` and the project's `.swcrc`,
 * when that package is installed. Without any, the generated position is shown. @internal
 */
export function formatFrame(frame: RawFrame): string {
  return sourcePosition(frame).text;
}

/** Where `frame` is in the source the developer wrote, as `formatFrame` finds it (cached per frame). @internal */
export function sourcePosition(frame: RawFrame): SourcePosition {
  const id = `${frame.file}:${frame.line}:${frame.column}`;
  let position = positions.get(id);
  if (position === undefined) {
    const mapped = mapPosition(frame) ?? frame;
    const file = display(mapped.file);
    position = { file, line: mapped.line, column: mapped.column, text: `${file}:${mapped.line}:${mapped.column}` };
    if (positions.size > 10_000) positions.clear();
    positions.set(id, position);
  }
  return position;
}

function display(file: string): string {
  const path = file.startsWith("file://") ? decodeURIComponent(file.slice(7)) : file;
  if (!isAbsolute(path)) return path;
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

function mapPosition(frame: RawFrame): Position | undefined {
  return fromNodeCache(frame) ?? fromInstalledHandler(frame) ?? fromSidecar(frame) ?? fromTranspiler(frame);
}

function fromEntry(map: SourceMapLike, frame: RawFrame, base: string): Position | undefined {
  const entry = map.findEntry(frame.line - 1, frame.column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (!entry || entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  let source = entry.originalSource;
  if (source.startsWith("file://")) source = decodeURIComponent(source.slice(7));
  else if (!isAbsolute(source)) source = resolve(dirname(base), source);
  return { file: source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
}

function fromNodeCache(frame: RawFrame): Position | undefined {
  const find = (nodeModule as { findSourceMap?: (path: string) => SourceMapLike | undefined }).findSourceMap;
  if (!find) return undefined;
  try {
    const map = find(frame.file);
    return map ? fromEntry(map, frame, frame.file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `source-map-support` (installed by `@swc/register` and jest) keeps its maps private but maps the
 * frames handed to `Error.prepareStackTrace`: give it one synthetic frame and read the answer back.
 */
function fromInstalledHandler(frame: RawFrame): Position | undefined {
  const prepare = Error.prepareStackTrace;
  if (typeof prepare !== "function") return undefined;
  const site = syntheticCallSite(frame);
  try {
    const text = String(prepare(new Error("map"), [site] as never));
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/m.exec(text.split("\n").pop() ?? "");
    if (!match) return undefined;
    const [, file, line, column] = match;
    if (file === frame.file && Number(line) === frame.line && Number(column) === frame.column) return undefined;
    return { file: file!, line: Number(line), column: Number(column) };
  } catch {
    return undefined;
  }
}

function syntheticCallSite(frame: RawFrame): NodeJS.CallSite {
  const site = {
    getThis: () => undefined,
    getTypeName: () => null,
    getFunction: () => undefined,
    getFunctionName: () => frame.fn ?? null,
    getMethodName: () => null,
    getFileName: () => frame.file,
    getLineNumber: () => frame.line,
    getColumnNumber: () => frame.column,
    getEvalOrigin: () => undefined,
    getScriptNameOrSourceURL: () => frame.file,
    getScriptHash: () => "",
    getEnclosingColumnNumber: () => null,
    getEnclosingLineNumber: () => null,
    getPosition: () => 0,
    getPromiseIndex: () => null,
    isToplevel: () => !frame.fn,
    isEval: () => false,
    isNative: () => false,
    isConstructor: () => false,
    isAsync: () => false,
    isPromiseAll: () => false,
    toString: () => `${frame.fn ?? "<anonymous>"} (${frame.file}:${frame.line}:${frame.column})`,
  };
  return site as unknown as NodeJS.CallSite;
}

function fromSidecar(frame: RawFrame): Position | undefined {
  const file = frame.file.startsWith("file://") ? decodeURIComponent(frame.file.slice(7)) : frame.file;
  let map = sidecarMaps.get(file);
  if (map === undefined) {
    map = loadSidecar(file);
    sidecarMaps.set(file, map);
  }
  return map ? fromEntry(map, frame, file) : undefined;
}

function loadSidecar(file: string): SourceMapLike | null {
  const SourceMap = (nodeModule as { SourceMap?: new (payload: unknown) => SourceMapLike }).SourceMap;
  if (!SourceMap || !file.endsWith(".js")) return null;
  try {
    const code = readFileSync(file, "utf8");
    const url = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(code)?.[1];
    if (!url) return null;
    const payload = url.startsWith("data:")
      ? JSON.parse(Buffer.from(url.slice(url.indexOf(",") + 1), url.includes(";base64,") ? "base64" : "utf8").toString("utf8"))
      : JSON.parse(readFileSync(resolve(dirname(file), url), "utf8"));
    return new SourceMap(payload);
  } catch {
    return null;
  }
}

const transpiledMaps = new Map<string, SourceMapLike | null>();

function fromTranspiler(frame: RawFrame): Position | undefined {
  if (!/\.[cm]?tsx?$/.test(frame.file)) return undefined;
  let map = transpiledMaps.get(frame.file);
  if (map === undefined) {
    map = transpile(frame.file);
    transpiledMaps.set(frame.file, map);
  }
  return map ? fromEntry(map, frame, frame.file) : undefined;
}

function transpile(file: string): SourceMapLike | null {
  const SourceMap = (nodeModule as { SourceMap?: new (payload: unknown) => SourceMapLike }).SourceMap;
  if (!SourceMap) return null;
  try {
    // An optional development-time dependency: absent in production, where compiled .js runs.
    const swc = require("@swc/core") as { transformSync(code: string, options: object): { map?: string } };
    const output = swc.transformSync(readFileSync(file, "utf8"), { filename: file, sourceMaps: true, swcrc: true });
    return output.map ? new SourceMap(JSON.parse(output.map)) : null;
  } catch {
    return null;
  }
}
