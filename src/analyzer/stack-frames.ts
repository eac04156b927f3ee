import { sep } from "node:path";

/** One application frame as V8 reported it (positions in the generated JavaScript, 1-based). @internal */
export interface RawFrame {
  file: string;
  line: number;
  column: number;
  fn?: string;
}

/** The application frames of one call, innermost first, and a key that identifies the call path. @internal */
export interface CapturedStack {
  frames: RawFrame[];
  /** Equal for calls through the same path; recursion collapsed. */
  key: string;
}

/** unitwork's own source folder (src/ or dist/src/): its frames are never the application's. */
const UNITWORK_SRC = __dirname.slice(0, __dirname.lastIndexOf(sep)) + sep;
const NODE_MODULES = `${sep}node_modules${sep}`;
const MAX_FRAMES = 48;
const MAX_APP_FRAMES = 8;

type V8CallSite = NodeJS.CallSite;

function rawSites(_error: Error, sites: V8CallSite[]): V8CallSite[] {
  return sites;
}

/**
 * Captures the application frames of the current call (async frames included), skipping Node's
 * internals, node_modules and unitwork's own src/. Cheap: no string formatting, no source maps
 * (those are resolved only for findings, see `formatFrame`). @internal
 */
export function captureStack(boundary?: Function): CapturedStack | undefined {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = MAX_FRAMES;
    Error.prepareStackTrace = rawSites as never;
    Error.captureStackTrace(holder, boundary ?? captureStack);
    const sites = holder.stack as V8CallSite[] | undefined;
    if (!Array.isArray(sites)) return undefined;
    return appFrames(sites);
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

function appFrames(sites: V8CallSite[]): CapturedStack | undefined {
  const frames: RawFrame[] = [];
  const seen = new Set<string>();
  let key = "";
  for (const site of sites) {
    const file = site.getFileName();
    if (!file || !isApplicationFile(file)) continue;
    const line = site.getLineNumber() ?? 0;
    const column = site.getColumnNumber() ?? 0;
    // Lines, not columns: an application frame shows the call's column while the call runs
    // synchronously and the `await`'s column once it resumed (later statements of one operation).
    const id = `${file}:${line}`;
    // Recursion: a frame already on the path adds nothing to its identity.
    if (seen.has(id)) continue;
    seen.add(id);
    key += key ? `|${id}` : id;
    frames.push({ file, line, column, fn: site.getFunctionName() ?? undefined });
    if (frames.length === MAX_APP_FRAMES) break;
  }
  return frames.length ? { frames, key } : undefined;
}

/** Whether a file holds application code: not Node's, not a dependency, not unitwork itself. @internal */
export function isApplicationFile(file: string): boolean {
  if (file.startsWith("node:") || file.startsWith("internal/")) return false;
  if (file.includes(NODE_MODULES)) return false;
  const path = file.startsWith("file://") ? decodeURIComponent(file.slice(7)) : file;
  return !path.startsWith(UNITWORK_SRC);
}
