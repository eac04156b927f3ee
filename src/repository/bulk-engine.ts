import type { DataSource, DeepPartial, EntityManager, EntityMetadata, ObjectLiteral } from "typeorm";
import type { Filter } from "../query";
import type {
  BulkDeleteResult,
  BulkInsertOptions,
  BulkInsertResult,
  BulkRowsInput,
  BulkUpdateOptions,
  BulkUpdateResult,
  BulkUpsertOptions,
  BulkUpsertResult,
} from "./bulk-options";
import type { EntityKey } from "./entity-id";

/** A statement, for naming it in a translated error. @internal */
export interface StatementText {
  sql?: string;
  parameters?: readonly unknown[];
}

/**
 * What the bulk engine needs of one repository (`RepositoryCore` provides it): the entity, the
 * strict-mode check, the one path to the database and the lower layers. @internal
 */
export interface BulkPort {
  readonly metadata: EntityMetadata;
  readonly dataSource: DataSource;
  /** Whether the call runs class-validator rules (its own `validate` option, else the repository's setting). */
  validates(callOption: unknown): boolean;
  /** The manager to run on; with `write`, throws in strict mode outside a unit of work. */
  manager(write: boolean): EntityManager;
  /** Runs `work` in a savepoint of the active unit of work, or in a transaction of its own. */
  nested<R>(work: (manager: EntityManager) => Promise<R>): Promise<R>;
  /** Runs a call with the caller's call site carried to its statements and its failure typed. */
  execute<R>(call: () => Promise<R>): Promise<R>;
  /** Runs `fn` with its statements tagged as unitwork's own bulk work for the analyzer. */
  tagged<R>(kind: "bulk", label: string, fn: () => R): R;
  /** The typed unitwork error for a failed statement (application errors pass through). */
  translateError(error: unknown, statement?: StatementText): unknown;
}

/** The set-based engine behind the repository's bulk methods (implemented in `src/bulk`). @internal */
export interface BulkEngine {
  insert<T extends ObjectLiteral>(port: BulkPort, rows: BulkRowsInput<T>, options: BulkInsertOptions): Promise<BulkInsertResult>;
  update<T extends ObjectLiteral>(port: BulkPort, rows: readonly DeepPartial<T>[], options: BulkUpdateOptions): Promise<BulkUpdateResult>;
  upsert<T extends ObjectLiteral>(port: BulkPort, rows: readonly DeepPartial<T>[], options: BulkUpsertOptions<T>): Promise<BulkUpsertResult>;
  delete<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult>;
  softDelete<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult>;
  restore<T extends ObjectLiteral>(port: BulkPort, idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult>;
}
