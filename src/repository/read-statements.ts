import { createHash } from "node:crypto";
import type { EntityMetadata, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { RowHydrator } from "./row-hydrator";

/**
 * One read statement of one shape, compiled once: the SQL text TypeORM's query builder generates for
 * it, with `$n` placeholders, and the parameter name each `$n` takes its value from. @internal
 */
export interface ReadStatement {
  readonly text: string;
  /** `names[i]` is the parameter bound to `$${i + 1}`. */
  readonly names: readonly string[];
  /** Set when unitwork hydrates the rows itself; otherwise the statement runs through TypeORM. */
  readonly hydrator?: RowHydrator;
  /** Times it ran; from the second run on it is a named prepared statement (when allowed). */
  uses: number;
  name?: string;
}

/** How many shapes are kept per entity; the oldest is dropped beyond. */
const SHAPES_PER_ENTITY = 200;
/** How many distinct named statements one unitwork instance prepares on each connection, at most. */
const MAX_PREPARED = 256;

/**
 * The compiled read statements of one unitwork instance, per entity and shape (a key that holds
 * everything the SQL text depends on: the filter's SQL, sort, relations, limit, offset, lock …).
 * Hot shapes become named prepared statements: node-postgres parses each once per connection and
 * PostgreSQL plans it once, as a hand-written `{ name, text, values }` query would. Names are derived
 * from the text, so two instances on one pool can never give one name two texts. @internal
 */
export class ReadStatements {
  readonly #byEntity = new Map<EntityMetadata, Map<string, ReadStatement>>();
  readonly #named = new Set<string>();
  readonly #prepare: boolean;

  constructor(options: { preparedStatements: boolean }) {
    this.#prepare = options.preparedStatements;
  }

  get(metadata: EntityMetadata, key: string): ReadStatement | undefined {
    return this.#byEntity.get(metadata)?.get(key);
  }

  /** Keeps `statement` under `key` (dropping the entity's oldest shape when full) and returns it. */
  add(metadata: EntityMetadata, key: string, statement: ReadStatement): ReadStatement {
    let shapes = this.#byEntity.get(metadata);
    if (!shapes) this.#byEntity.set(metadata, (shapes = new Map()));
    if (shapes.size >= SHAPES_PER_ENTITY) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, statement);
    return statement;
  }

  /** Counts one run of `statement`; the name to prepare it under, if it is to be prepared. */
  nameFor(statement: ReadStatement): string | undefined {
    statement.uses++;
    if (statement.name !== undefined || !this.#prepare || statement.uses < 2) return statement.name;
    const name = `uwq_${createHash("sha1").update(statement.text).digest("hex").slice(0, 24)}`;
    if (!this.#named.has(name)) {
      if (this.#named.size >= MAX_PREPARED) return undefined;
      this.#named.add(name);
    }
    return (statement.name = name);
  }

  /** Number of shapes kept for `metadata` (for tests). */
  size(metadata: EntityMetadata): number {
    return this.#byEntity.get(metadata)?.size ?? 0;
  }
}

/**
 * The SQL of `qb` with `$n` placeholders and the parameter name of each, as TypeORM's
 * `escapeQueryWithParameters` numbers them; checked against TypeORM's own output. `undefined` when the
 * statement cannot be reused with other values (a spread list or a function parameter). @internal
 */
export function compileRead(qb: SelectQueryBuilder<ObjectLiteral>, sql = qb.getQuery()): { text: string; names: string[] } | undefined {
  const parameters = qb.getParameters();
  const names: string[] = [];
  const index = new Map<string, number>();
  let reusable = true;
  const text = sql.replaceAll(/:(\.\.\.)?([A-Za-z0-9_.]+)/g, (full, spread: string | undefined, key: string) => {
    if (!Object.prototype.hasOwnProperty.call(parameters, key)) return full;
    if (spread || typeof parameters[key] === "function") reusable = false;
    let at = index.get(key);
    if (at === undefined) {
      names.push(key);
      index.set(key, (at = names.length));
    }
    return `$${at}`;
  });
  if (!reusable) return undefined;
  const [theirs, values] = qb.connection.driver.escapeQueryWithParameters(sql, parameters);
  if (theirs !== text || values.length !== names.length || values.some((v, i) => v !== parameters[names[i]!])) return undefined;
  return { text, names };
}
