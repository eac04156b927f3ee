import type { AfterQueryEvent, DataSource, EntitySubscriberInterface, QueryRunner } from "typeorm";
import type { ContextStore } from "./execution-context";
import type { ReplicaRouter } from "./replica-router";
import type { PgClient } from "./replica-server";

/** Statements that never write: everything else on the primary outside a transaction counts as a commit. */
const READ_ONLY = /^\s*(SELECT|SHOW|EXPLAIN|VALUES|TABLE|SET|RESET|BEGIN|START|SAVEPOINT|RELEASE|ROLLBACK)\b/i;

/**
 * Remembers, in the session, the commits that happen outside a unit of work's transaction: a
 * repository write outside any unit of work, TypeORM's own `save()` (its COMMIT), a plain TypeORM
 * insert. A unit of work's COMMIT is recorded by its `TransactionRunner`. A TypeORM subscriber, so it
 * runs in the caller's async context and sees the session; installed only with replicas. @internal
 */
export class SessionWriteTracker implements EntitySubscriberInterface {
  readonly #context: ContextStore;
  readonly #router: ReplicaRouter;

  constructor(context: ContextStore, router: ReplicaRouter) {
    this.#context = context;
    this.#router = router;
  }

  install(dataSource: DataSource): void {
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
  }

  afterQuery(event: AfterQueryEvent): Promise<void> | void {
    if (!event.success) return;
    const context = this.#context.current;
    const session = context.session;
    if (!session || context.frame?.transaction?.queryRunner === event.queryRunner) return;
    const runner = event.queryRunner as QueryRunner & { databaseConnection?: PgClient };
    const committed = runner.isTransactionActive ? /^\s*COMMIT\b/i.test(event.query) : !READ_ONLY.test(event.query);
    if (!committed || this.#router.serverOf(runner.databaseConnection) !== "primary") return;
    return this.#router.recordCommit(session, runner.databaseConnection);
  }
}
