import { createRequire } from "node:module";

/**
 * Counts the statements every client sends, by wrapping `query` of each copy of pg's Client that the
 * peers load (MikroORM brings its own pg). All paths run one after the other, so one counter,
 * reset before a path, counts that path's statements alone. Transaction control (BEGIN, COMMIT,
 * SAVEPOINT, SET …) is counted apart from the statements that read or write data.
 */
export interface StatementCount {
  /** Statements that read or write rows. */
  data: number;
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, SET, SHOW, DEALLOCATE. */
  control: number;
}

const CONTROL = /^\s*(begin|start transaction|commit|rollback|savepoint|release|set|show|deallocate|discard|reset)\b/i;

const counter: StatementCount = { data: 0, control: 0 };
const patched = new WeakSet<object>();

function textOf(config: unknown): string {
  if (typeof config === "string") return config;
  if (config && typeof config === "object" && "text" in config) return String((config as { text?: unknown }).text ?? "");
  return "";
}

/** Wraps `Client.prototype.query` of the pg copy that `fromModule` resolves (once per copy). */
export function countStatementsOf(fromModule: string): void {
  let pg: { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pg = createRequire(require.resolve(fromModule))("pg");
  } catch {
    return; // that peer is not installed: nothing to count
  }
  const proto = pg.Client.prototype;
  if (patched.has(proto)) return;
  patched.add(proto);
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (CONTROL.test(textOf(args[0]))) counter.control++;
    else counter.data++;
    return original.apply(this, args);
  };
}

/** Every pg copy a peer of the benchmark may use. */
export function countAllStatements(): void {
  for (const from of ["pg", "@mikro-orm/postgresql", "@mikro-orm/knex", "@prisma/adapter-pg", "typeorm"]) countStatementsOf(from);
}

export function resetStatements(): void {
  counter.data = 0;
  counter.control = 0;
}

export function statements(): StatementCount {
  return { ...counter };
}
