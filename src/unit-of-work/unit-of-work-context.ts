import type { EntityManager, EntitySchema, EntityTarget, ObjectLiteral } from "typeorm";
import type { AsyncBaseRepository } from "../repository/async-base-repository";

/** A hook run after the outermost COMMIT (awaited, in registration order). */
export type CommitHook = () => unknown;
/** A hook run after a rollback, with the error that caused it. */
export type RollbackHook = (error: unknown) => unknown;

/** A class extending `AsyncBaseRepository`, as given to `RepositoryFactory.register`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RepositoryClass<R extends AsyncBaseRepository<any>> = abstract new (...args: any[]) => R;

/**
 * The repository type for a target: a custom repository class gives itself, an entity class its
 * `AsyncBaseRepository`, an `EntitySchema` or entity name the untyped one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RepositoryOf<X> = X extends abstract new (...args: any[]) => infer I
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any
    I extends AsyncBaseRepository<any> ? I : I extends ObjectLiteral ? AsyncBaseRepository<I> : never
  : X extends EntitySchema<infer S> ? AsyncBaseRepository<S extends ObjectLiteral ? S : ObjectLiteral>
  : AsyncBaseRepository<ObjectLiteral>;

/**
 * What `run(work)` hands to `work`: the active unit of work of this call chain.
 *
 * @example
 * await uw.unitOfWork.run(async (ctx) => {
 *   const user = await ctx.repository(User).create({ email: "a@b.co" });
 *   ctx.onCommit(() => mailer.sendWelcome(user.email));
 * });
 */
export interface UnitOfWorkContext {
  readonly id: string;
  readonly name: string | undefined;
  /** 0 for the outermost scope, +1 for each scope inside it. */
  readonly depth: number;
  /** The TypeORM EntityManager of this transaction (the DataSource's own manager when there is none). */
  readonly manager: EntityManager;
  /** Whether this scope runs inside a database transaction. */
  readonly transactional: boolean;
  /**
   * The entity's repository (or its registered custom class), or a registered custom repository
   * class, bound to this unit of work.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  repository<X extends EntityTarget<any> | RepositoryClass<AsyncBaseRepository<any>>>(target: X): RepositoryOf<X>;
  /** Runs after the outermost COMMIT; awaited before `run()` resolves. */
  onCommit(hook: CommitHook): void;
  /** Runs after a rollback of this unit (or of the savepoint it was registered in). */
  onRollback(hook: RollbackHook): void;
}
