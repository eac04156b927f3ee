import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import type { StackCarrier } from "./call-site-tracer";

/**
 * EntityManager methods that return a promise without awaiting the query they start (`return
 * qb.getMany()` in an async function): V8's async stack trace stops there, so the application's
 * frame is missing when the statement reaches the driver. Their call site is taken at entry instead.
 */
const ENTRY_POINTS = [
  "query", "save", "remove", "softRemove", "recover", "insert", "upsert", "update", "updateAll", "delete", "deleteAll",
  "softDelete", "restore", "exists", "existsBy", "count", "countBy", "sum", "average", "minimum", "maximum", "find",
  "findBy", "findAndCount", "findAndCountBy", "findOne", "findOneBy", "findOneOrFail", "findOneByOrFail", "clear",
  "increment", "decrement", "preload",
] as const;

const TRACED = Symbol("unitwork.analyzer.traced");

/**
 * Makes the EntityManagers of ONE DataSource (its `manager`, and every manager it creates for a
 * query runner: transactions, units of work; `Repository` objects call into them) capture the
 * caller's stack at entry. Only own properties of those manager instances are set: TypeORM's
 * classes, other DataSources and the global prototype chain are untouched. Returns the undo. @internal
 */
export function traceEntityManagers(dataSource: DataSource, carrier: StackCarrier): () => void {
  // One wrapper per original method, shared by every manager: a unit of work creates a manager per
  // transaction, and wrapping must not cost it a closure per entry point.
  const wrappers = new WeakMap<Function, Function>();
  const tracedOf = (original: Function): Function => {
    let traced = wrappers.get(original);
    if (!traced) {
      const wrapper = function (this: unknown, ...args: unknown[]) {
        return carrier.trace(wrapper, () => (original as (...a: unknown[]) => Promise<unknown>).apply(this, args));
      };
      wrappers.set(original, (traced = wrapper));
    }
    return traced;
  };
  const wrap = (manager: EntityManager): EntityManager => {
    const target = manager as unknown as Record<string | symbol, unknown>;
    if (target[TRACED]) return manager;
    target[TRACED] = true;
    for (const name of ENTRY_POINTS) {
      const original = target[name];
      if (typeof original === "function") target[name] = tracedOf(original);
    }
    return manager;
  };
  const original = dataSource.createEntityManager;
  const patched = function (this: DataSource, queryRunner?: QueryRunner) {
    return wrap(original.call(this, queryRunner));
  };
  dataSource.createEntityManager = patched;
  wrap(dataSource.manager);
  return () => {
    if (dataSource.createEntityManager === patched) dataSource.createEntityManager = original;
  };
}
