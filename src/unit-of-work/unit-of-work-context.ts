import type { EntityManager } from "typeorm";
import type { TransactionSettings } from "./transaction-settings";

/** A hook run after the outermost COMMIT (awaited, in registration order). */
export type CommitHook = () => unknown;
/** A hook run after a rollback, with the error that caused it. */
export type RollbackHook = (error: unknown) => unknown;

/**
 * What `run(work)` hands to `work`: the active unit of work of this call chain. Its `repository()`
 * method is declared by the repository layer (`src/repository/repository-of.ts`).
 *
 * @example
 * await uw.unitOfWork.run(async (ctx) => {
 *   const user = await ctx.repository(User).create({ email: "a@b.co" });
 *   ctx.onCommit(() => mailer.sendWelcome(user.email));
 * });
 */
export interface UnitOfWorkContext {
  /** Id of this scope within its unitwork instance, e.g. `"uow-12"` (each nested scope has its own). */
  readonly id: string;
  /** The `name` option of this scope, else of the enclosing one; `undefined` when none was given. */
  readonly name: string | undefined;
  /** 0 for the outermost scope, +1 for each scope inside it. */
  readonly depth: number;
  /** The TypeORM EntityManager of this transaction (the DataSource's own manager when there is none). */
  readonly manager: EntityManager;
  /** Whether this scope runs inside a database transaction. */
  readonly transactional: boolean;
  /**
   * The settings in effect in this scope's transaction (`UnitOfWorkOptions.settings` of the unit that
   * began it, defaults merged); empty without a transaction. Pass them on to a `requiresNew` unit
   * that must see the same ones: `{ propagation: "requiresNew", settings: ctx.settings }`.
   */
  readonly settings: TransactionSettings;
  /**
   * Whether this scope's transaction runs on a read replica: a `readOnly` unit of work routed there
   * (`createUnitwork({ replicas })`). `false` on the primary, and for a scope without a transaction
   * (each of its reads is routed on its own).
   */
  readonly replica: boolean;
  /** Runs after the outermost COMMIT; awaited before `run()` resolves. */
  onCommit(hook: CommitHook): void;
  /** Runs after a rollback of this unit (or of the savepoint it was registered in). */
  onRollback(hook: RollbackHook): void;
}
