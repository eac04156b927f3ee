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
  #holder: { stack?: unknown } | undefined;
  #sites?: V8CallSite[];
  #first?: RawFrame | null;
  #resolved?: { frames: RawFrame[]; key: string };

  /** @internal */
  constructor(holder: { stack?: unknown } | undefined) {
    this.#holder = holder;
  }

  /** The application frames, innermost first (skipping Node, node_modules and unitwork). */
  get frames(): RawFrame[] {
    return this.#resolve().frames;
  }

  /** Equal for calls through the same path (files and lines; recursion collapsed); `""` when no application frame was found. */
  get key(): string {
    return this.#resolve().key;
  }

  /** The innermost application frame (what a span shows), read without the rest of the path. */
  get first(): RawFrame | undefined {
    if (this.#resolved) return this.#resolved.frames[0];
    if (this.#first === undefined) {
      this.#first = null;
      for (const site of this.#materialize()) {
        const file = site.getFileName();
        if (file && isApplicationFile(file)) {
          this.#first = frameOf(site, file);
          break;
        }
      }
    }
    return this.#first ?? undefined;
  }

  /** V8's call sites of the captured stack (made once, on first read). */
  #materialize(): V8CallSite[] {
    if (!this.#sites) {
      const prepare = Error.prepareStackTrace;
      let sites: unknown;
      try {
        Error.prepareStackTrace = rawSites as never;
        sites = this.#holder?.stack;
      } finally {
        Error.prepareStackTrace = prepare;
      }
      this.#sites = Array.isArray(sites) ? (sites as V8CallSite[]) : [];
      this.#holder = undefined;
    }
    return this.#sites;
  }

  #resolve(): { frames: RawFrame[]; key: string } {
    if (!this.#resolved) {
      this.#resolved = appFrames(this.#materialize());
      this.#sites = undefined;
    }
    return this.#resolved;
  }
}

/**
 * Captures the current call's stack (async frames included) without formatting it: V8 keeps the
 * frames and `CapturedStack` reads them only when asked. No boundary function is given to V8: finding
 * one makes it walk (and expand the inlined functions of) every frame above it, which measured about
 * twice the capture's own cost in a unit of work; unitwork's frames are skipped when read instead.
 * The cost grows with the frames taken (`frames`, 48 by default: the analyzer's call paths).
 * @internal
 */
export function captureStack(frames = MAX_FRAMES): CapturedStack {
  const limit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = frames;
    Error.captureStackTrace(holder);
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

function frameOf(site: V8CallSite, file: string): RawFrame {
  return { file, line: site.getLineNumber() ?? 0, column: site.getColumnNumber() ?? 0, fn: site.getFunctionName() ?? undefined };
}

/** Whether a file holds application code: not Node's, not a dependency, not unitwork itself. @internal */
export function isApplicationFile(file: string): boolean {
  if (file.startsWith("node:") || file.startsWith("internal/")) return false;
  if (file.includes(NODE_MODULES)) return false;
  const path = file.startsWith("file://") ? decodeURIComponent(file.slice(7)) : file;
  return !path.startsWith(UNITWORK_SRC);
}
