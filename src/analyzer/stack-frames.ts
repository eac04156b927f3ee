import { sep } from "node:path";

/** One application frame as V8 reported it (positions in the generated JavaScript, 1-based). @internal */
export interface RawFrame {
  file: string;
  line: number;
  column: number;
  fn?: string;
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
 * The stack of one call into the database, captured cheaply (V8 records the frames; nothing is
 * formatted) and read only when a rule needs it: most statements never are. @internal
 */
export class CapturedStack {
  private resolved?: { frames: RawFrame[]; key: string };

  /** @internal */
  constructor(private holder: { stack?: unknown } | undefined) {}

  /** The application frames, innermost first (skipping Node, node_modules and unitwork). */
  get frames(): RawFrame[] {
    return this.resolve().frames;
  }

  /** Equal for calls through the same path (files and lines; recursion collapsed); `""` when no application frame was found. */
  get key(): string {
    return this.resolve().key;
  }

  private resolve(): { frames: RawFrame[]; key: string } {
    if (!this.resolved) {
      const prepare = Error.prepareStackTrace;
      let sites: unknown;
      try {
        Error.prepareStackTrace = rawSites as never;
        sites = this.holder?.stack;
      } finally {
        Error.prepareStackTrace = prepare;
      }
      this.resolved = Array.isArray(sites) ? appFrames(sites as V8CallSite[]) : { frames: [], key: "" };
      this.holder = undefined;
    }
    return this.resolved;
  }
}

/**
 * Captures the current call's stack (async frames included) without formatting it: V8 keeps the
 * frames and `CapturedStack` reads them only when asked. `boundary` and the frames above it are
 * left out. @internal
 */
export function captureStack(boundary?: Function): CapturedStack {
  const limit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = MAX_FRAMES;
    Error.captureStackTrace(holder, boundary ?? captureStack);
  } finally {
    Error.stackTraceLimit = limit;
  }
  return new CapturedStack(holder);
}

function appFrames(sites: V8CallSite[]): { frames: RawFrame[]; key: string } {
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
  return { frames, key };
}

/** Whether a file holds application code: not Node's, not a dependency, not unitwork itself. @internal */
export function isApplicationFile(file: string): boolean {
  if (file.startsWith("node:") || file.startsWith("internal/")) return false;
  if (file.includes(NODE_MODULES)) return false;
  const path = file.startsWith("file://") ? decodeURIComponent(file.slice(7)) : file;
  return !path.startsWith(UNITWORK_SRC);
}
