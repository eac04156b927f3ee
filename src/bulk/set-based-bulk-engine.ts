import type { DeepPartial, EntityManager, ObjectLiteral } from "typeorm";
import { UnsupportedMappingError } from "../errors";
import type { Filter } from "../query";
import type {
  BulkDeleteResult,
  BulkEngine,
  BulkInsertOptions,
  BulkInsertResult,
  BulkPort,
  BulkRowsInput,
  BulkUpdateOptions,
  BulkUpdateResult,
  BulkUpsertOptions,
  BulkUpsertResult,
  EntityKey,
} from "../repository";
import { BulkConnection } from "./bulk-connection";
import { bulkDelete, type DeleteMode } from "./bulk-delete";
import { bulkInsert } from "./bulk-insert";
import { bulkUpdate } from "./bulk-update";
import { bulkUpsert } from "./bulk-upsert";
import { buildEntityPlan, type EntityPlan } from "./entity-plan";
import { readTableCatalog } from "./table-catalog";

/**
 * The set-based engine behind the repositories' bulk methods: chunked COPY and `unnest` statements,
 * run inside the caller's unit of work (in a savepoint, so a failed call leaves it usable) or in a
 * transaction of their own: all or nothing either way. @internal
 */
export class SetBasedBulkEngine implements BulkEngine {
  private readonly plans = new WeakMap<object, Promise<EntityPlan>>();

  insert<T extends ObjectLiteral>(port: BulkPort, rows: BulkRowsInput<T>, options: BulkInsertOptions): Promise<BulkInsertResult> {
    const validate = port.validates(options.validate);
    return this.run(port, "bulkInsert", (connection, plan) => bulkInsert(connection, refuseTree(plan, "bulkInsert"), rows, { ...options, validate }));
  }

  update<T extends ObjectLiteral>(port: BulkPort, rows: readonly DeepPartial<T>[], options: BulkUpdateOptions): Promise<BulkUpdateResult> {
    const validate = port.validates(options.validate);
    return this.run(port, "bulkUpdate", (connection, plan) => bulkUpdate(connection, plan, rows, { ...options, validate }));
  }

  upsert<T extends ObjectLiteral>(port: BulkPort, rows: readonly DeepPartial<T>[], options: BulkUpsertOptions<T>): Promise<BulkUpsertResult> {
    const validate = port.validates(options.validate);
    return this.run(port, "bulkUpsert", (connection, plan) => bulkUpsert(connection, refuseTree(plan, "bulkUpsert"), rows, { ...options, validate }));
  }

  delete<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.remove(port, idsOrFilter, "delete");
  }

  softDelete<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.remove(port, idsOrFilter, "softDelete");
  }

  restore<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.remove(port, idsOrFilter, "restore");
  }

  private remove<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>, mode: DeleteMode): Promise<BulkDeleteResult> {
    const name = mode === "delete" ? "bulkDelete" : mode === "softDelete" ? "bulkSoftDelete" : "bulkRestore";
    return this.run(port, name, (connection, plan) => bulkDelete(connection, plan, idsOrFilter, mode));
  }

  /**
   * One public bulk call: through the repository core's single `execute` path, tagged for the
   * analyzer, in a savepoint of the active unit of work or in a transaction of its own.
   */
  private async run<R>(port: BulkPort, operation: string, work: (connection: BulkConnection, plan: EntityPlan) => Promise<R>): Promise<R> {
    port.manager(true); // strict mode: a write outside a unit of work throws here
    const metadata = port.metadata;
    return port.execute(() =>
      port.tagged("bulk", `${operation} ${metadata.name}`, () =>
        port.nested(async (manager) => work(new BulkConnection(manager, (error, statement) => port.translateError(error, statement)), await this.plan(port, manager))),
      ),
    );
  }

  private plan(port: BulkPort, manager: EntityManager): Promise<EntityPlan> {
    const metadata = port.metadata;
    let plan = this.plans.get(metadata);
    if (!plan) {
      plan = readTableCatalog(manager, metadata).then((catalog) => buildEntityPlan(port.dataSource, metadata, catalog));
      this.plans.set(metadata, plan);
      plan.catch(() => this.plans.delete(metadata));
    }
    return plan;
  }
}

/**
 * Closure-table, materialized-path and nested-set trees keep structure (closure rows, paths, left and
 * right bounds) that TypeORM computes node by node in `save()`; a set-based insert cannot. An
 * adjacency list is a plain foreign key and is written like any other.
 */
function refuseTree(plan: EntityPlan, operation: string): EntityPlan {
  if (plan.tree && plan.tree !== "adjacency-list") {
    throw new UnsupportedMappingError(plan.metadata.name, `tree (${plan.tree})`, `${operation} cannot maintain the tree's structure set-based; insert nodes with create() (or TypeORM's TreeRepository)`);
  }
  return plan;
}
