import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import type { CallSiteTracer } from "./call-site-tracer";

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

/**
 * Makes the EntityManagers of ONE DataSource (its `manager`, and every manager it creates for a
 * query runner: transactions, units of work; `Repository` objects call into them) capture the
 * caller's stack at entry. The managers it creates are of a subclass made here, whose entry points
 * capture and then call TypeORM's; the existing `dataSource.manager` gets that subclass's prototype.
 * TypeORM's classes, other DataSources and their managers are untouched. Returns the undo. @internal
 */
export function traceEntityManagers(dataSource: DataSource, tracer: CallSiteTracer): () => void {
  const base = dataSource.manager.constructor as new (dataSource: DataSource, queryRunner?: QueryRunner) => EntityManager;
  const traced = class TracedEntityManager extends base {};
  for (const name of ENTRY_POINTS) {
    const original = (base.prototype as unknown as Record<string, unknown>)[name];
    if (typeof original !== "function") continue;
    const wrapper = function (this: unknown) {
      // `arguments`, not a rest array, and no closure on the common path (nothing to capture)
      const args = arguments;
      if (!tracer.wouldCapture) return original.apply(this, args);
      return tracer.trace(() => original.apply(this, args) as Promise<unknown>, true);
    };
    Object.defineProperty(traced.prototype, name, { value: wrapper, writable: true, configurable: true });
  }
  const original = dataSource.createEntityManager;
  const patched = function (this: DataSource, queryRunner?: QueryRunner) {
    return new traced(this, queryRunner);
  };
  dataSource.createEntityManager = patched;
  const shared = dataSource.manager;
  Object.setPrototypeOf(shared, traced.prototype);
  return () => {
    if (dataSource.createEntityManager === patched) dataSource.createEntityManager = original;
    if (Object.getPrototypeOf(shared) === traced.prototype) Object.setPrototypeOf(shared, base.prototype);
  };
}
