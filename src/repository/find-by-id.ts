import type { ObjectLiteral } from "typeorm";
import { IllegalTransactionStateError, InvalidQueryError } from "../errors";
import { checkColumnValue, columnKind, toColumnValue } from "../query";
import { checkKey, type CheckedKey } from "./entity-id";
import type { GetByIdOptions } from "./find-options";
import { checkOptions } from "./list-options";
import { planList } from "./list-plan";
import { runList } from "./list-runner";
import type { ReadStatement } from "./read-statements";
import type { RepositoryCore } from "./repository-core";

const LOCKS = ["pessimistic_read", "pessimistic_write"];

/**
 * `getById`: a one-row listing by primary key, with an optional row lock. A lookup without
 * `relations` (and an entity without eager ones) goes straight to the compiled statement of its
 * shape once one call has compiled it: no filter to compile, no plan, no SQL to build. @internal
 */
export async function findById<T extends ObjectLiteral>(core: RepositoryCore<T>, id: unknown, options: GetByIdOptions<T>): Promise<T | null> {
  const metadata = core.metadata;
  const key = checkKey(metadata, id);
  checkOptions(options, "getById");
  if (options.lock !== undefined && !LOCKS.includes(options.lock)) {
    throw new InvalidQueryError(`lock must be "pessimistic_read" or "pessimistic_write"`, "lock", LOCKS);
  }
  if (options.lock && !core.manager(false).queryRunner?.isTransactionActive) {
    throw new IllegalTransactionStateError(`getById(..., { lock: "${options.lock}" }) needs an active unit of work`);
  }
  const shape = options.relations === undefined && (options.withDeleted === undefined || typeof options.withDeleted === "boolean") ? `byId\u0000${options.withDeleted ? 1 : 0}\u0000${options.lock ?? ""}` : undefined;
  const known = shape === undefined ? undefined : core.reads.get(metadata, shape);
  if (known?.hydrator) {
    const hydrator = known.hydrator;
    const entities = await core.read(known, keyValues(key), (rows, queryRunner) => hydrator.hydrate(rows, queryRunner));
    return (entities[0] as T | undefined) ?? null;
  }
  const plan = planList(core, { where: key.filter, relations: options.relations, withDeleted: options.withDeleted, limit: 1 });
  if (options.lock) {
    plan.lock = options.lock;
    if (plan.strategy === "join") plan.strategy = "query"; // FOR UPDATE cannot lock the nullable side of a join
  }
  const run = () => runList(core, plan);
  const { entities, statement } = plan.relations.length ? await core.tagged("internal", `getById ${metadata.name}`, run) : await run();
  if (shape !== undefined && !plan.relations.length && statement && bindsKey(statement, plan.filter.parameters, key)) core.reads.add(metadata, shape, statement);
  return entities[0] ?? null;
}

/**
 * The values a filter on the key binds: each key value through its column's transformer, checked
 * (without a transformer, `checkKey` has checked that very value already).
 */
function keyValues(key: CheckedKey): unknown[] {
  return key.columns.map(({ column, value }) => (column.transformer ? checkColumnValue(column, toColumnValue(column, key.filter[column.propertyName]), column.propertyName) : value));
}

/**
 * Whether `statement` (compiled from the key's filter) takes exactly the key's values, in key order,
 * and the key's columns are plain scalars, so that `keyValues` gives what compiling the filter would.
 */
function bindsKey(statement: ReadStatement, parameters: Record<string, unknown>, key: CheckedKey): boolean {
  if (!statement.hydrator || statement.names.length !== key.columns.length) return false;
  if (key.columns.some(({ column }) => columnKind(column) === "json" || columnKind(column) === "unsupported")) return false;
  const values = keyValues(key);
  return statement.names.every((name, i) => Object.is(parameters[name], values[i]));
}
