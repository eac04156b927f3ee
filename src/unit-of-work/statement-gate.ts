import type { AfterQueryEvent, BeforeQueryEvent, DataSource, EntitySubscriberInterface } from "typeorm";
import { IllegalTransactionStateError } from "../errors";
import type { ContextStore } from "./execution-context";

/**
 * A TypeORM subscriber that stops a unit of work's statements once its work is over (deadline passed,
 * or the work returned while a stray promise still queries), and remembers the last failed statement
 * of each transaction. It runs in the caller's async context, so it sees the frame. @internal
 */
export class StatementGate implements EntitySubscriberInterface {
  readonly #context: ContextStore;

  constructor(context: ContextStore) {
    this.#context = context;
  }

  install(dataSource: DataSource): void {
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
  }

  beforeQuery(event: BeforeQueryEvent): void {
    const frame = this.#context.current.frame;
    const tx = frame?.transaction;
    if (!tx || tx.queryRunner !== event.queryRunner || !frame!.ended) return;
    if (frame!.deadline?.expired) throw frame!.deadline.error();
    throw new IllegalTransactionStateError(
      "this unit of work has already ended; a statement was issued after its work returned (an un-awaited promise?)",
      { sql: event.query, parameters: Array.isArray(event.parameters) ? event.parameters : undefined },
    );
  }

  afterQuery(event: AfterQueryEvent): void {
    if (event.success) return;
    const tx = this.#context.current.frame?.transaction;
    if (tx && tx.queryRunner === event.queryRunner) tx.statementFailed(event.error);
  }
}
