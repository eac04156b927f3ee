import type { EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import type { Deadline } from "./deadline";
import type { HookSegment } from "./hook-segment";
import type { Transaction } from "./transaction";
import type { TransactionSettings } from "./transaction-settings";
import type { CommitHook, RollbackHook, UnitOfWorkContext } from "./unit-of-work-context";

const NO_SETTINGS: TransactionSettings = Object.freeze({});

/** Resolves `ctx.repository(target)` for a frame; supplied by the repository factory. @internal */
export type RepositoryResolver = (target: unknown, frame: Frame) => unknown;

/**
 * The immutable context of one `run()` scope: which transaction (if any) its call chain uses and where
 * its hooks go. A joined scope gets its own frame that shares the transaction of its parent. @internal
 */
export class Frame implements UnitOfWorkContext {
  readonly #resolver: RepositoryResolver;
  #repositories?: Map<unknown, unknown>;
  /** Set once this scope's work is over (returned, failed or timed out): its statements are refused. */
  closed = false;
  /** The outermost frame of this call chain. */
  readonly root: Frame;

  constructor(
    readonly id: string,
    readonly name: string | undefined,
    readonly depth: number,
    readonly manager: EntityManager,
    /** `null` when the scope runs without a transaction (supports/notSupported/never). */
    readonly transaction: Transaction | null,
    readonly hooks: HookSegment,
    readonly deadline: Deadline | undefined,
    readonly parent: Frame | undefined,
    resolver: RepositoryResolver,
  ) {
    this.#resolver = resolver;
    this.root = parent ? parent.root : this;
  }

  /** Whether this scope, or an enclosing one in the same transaction, has ended. */
  get ended(): boolean {
    for (let frame: Frame | undefined = this; frame && frame.transaction === this.transaction; frame = frame.parent) {
      if (frame.closed) return true;
    }
    return false;
  }

  get transactional(): boolean {
    return this.transaction !== null;
  }

  get settings(): TransactionSettings {
    return this.transaction?.settings ?? NO_SETTINGS;
  }

  get replica(): boolean {
    return this.transaction !== null && this.transaction.server !== "primary";
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  repository(target: EntityTarget<ObjectLiteral> | (abstract new (...args: any[]) => unknown)): any {
    this.#repositories ??= new Map();
    let repository = this.#repositories.get(target);
    if (!repository) {
      repository = this.#resolver(target, this);
      this.#repositories.set(target, repository);
    }
    return repository;
  }

  onCommit(hook: CommitHook): void {
    this.hooks.commitHooks.push(hook);
  }

  onRollback(hook: RollbackHook): void {
    this.hooks.rollbackHooks.push(hook);
  }
}
