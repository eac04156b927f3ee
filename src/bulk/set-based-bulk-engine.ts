import type { DeepPartial, EntityManager, ObjectLiteral } from "typeorm";
import { withOperationTag } from "../analyzer/operation-tag";
import type { Filter } from "../query";
import type {
  AsyncBaseRepository,
  BulkDeleteResult,
  BulkEngine,
  BulkInsertOptions,
  BulkInsertResult,
  BulkRowsInput,
  BulkUpdateOptions,
  BulkUpdateResult,
  BulkUpsertOptions,
  BulkUpsertResult,
  EntityId,
} from "../repository";
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

  insert<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, rows: BulkRowsInput<T>, options: BulkInsertOptions): Promise<BulkInsertResult> {
    return this.run(repository, "bulkInsert", (manager, plan) => bulkInsert(manager, plan, rows, options));
  }

  update<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, rows: readonly DeepPartial<T>[], options: BulkUpdateOptions): Promise<BulkUpdateResult> {
    return this.run(repository, "bulkUpdate", (manager, plan) => bulkUpdate(manager, plan, rows, options));
  }

  upsert<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, rows: readonly DeepPartial<T>[], options: BulkUpsertOptions<T>): Promise<BulkUpsertResult> {
    return this.run(repository, "bulkUpsert", (manager, plan) => bulkUpsert(manager, plan, rows, options));
  }

  delete<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.remove(repository, idsOrFilter, "delete");
  }

  softDelete<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.remove(repository, idsOrFilter, "softDelete");
  }

  restore<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.remove(repository, idsOrFilter, "restore");
  }

  private remove<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, idsOrFilter: readonly EntityId[] | Filter<T>, mode: DeleteMode): Promise<BulkDeleteResult> {
    const name = mode === "delete" ? "bulkDelete" : mode === "softDelete" ? "bulkSoftDelete" : "bulkRestore";
    return this.run(repository, name, (manager, plan) => bulkDelete(manager, plan, idsOrFilter, mode));
  }

  /**
   * One public bulk call: tagged for the analyzer, through the repository's single `execute` path,
   * in a savepoint of the active unit of work or in a transaction of its own.
   */
  private async run<T extends ObjectLiteral, R>(repository: AsyncBaseRepository<T>, operation: string, work: (manager: EntityManager, plan: EntityPlan) => Promise<R>): Promise<R> {
    repository.manager(true); // strict mode: a write outside a unit of work throws here
    const metadata = repository.metadata;
    return repository.execute(() =>
      withOperationTag(repository.runtime.context, { kind: "bulk", label: `${operation} ${metadata.name}` }, () =>
        repository.runtime.unitOfWork.run(async (ctx) => work(ctx.manager, await this.plan(ctx.manager, repository)), { propagation: "nested" }),
      ),
    );
  }

  private plan<T extends ObjectLiteral>(manager: EntityManager, repository: AsyncBaseRepository<T>): Promise<EntityPlan> {
    const metadata = repository.metadata;
    let plan = this.plans.get(metadata);
    if (!plan) {
      plan = readTableCatalog(manager, metadata).then((catalog) => buildEntityPlan(repository.runtime.dataSource, metadata, catalog));
      this.plans.set(metadata, plan);
      plan.catch(() => this.plans.delete(metadata));
    }
    return plan;
  }
}
