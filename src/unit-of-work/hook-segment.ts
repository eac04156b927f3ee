import type { CommitHook, RollbackHook } from "./unit-of-work-context";

/**
 * The hooks registered in one transaction or savepoint. A released savepoint hands its hooks to the
 * enclosing segment; a rolled-back one drops its commit hooks and runs its rollback hooks. @internal
 */
export class HookSegment {
  readonly commitHooks: CommitHook[] = [];
  readonly rollbackHooks: RollbackHook[] = [];

  mergeInto(parent: HookSegment): void {
    parent.commitHooks.push(...this.commitHooks);
    parent.rollbackHooks.push(...this.rollbackHooks);
  }

  /** Runs every commit hook, in order, even after one fails; returns the failures. */
  async runCommitHooks(): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (const hook of this.commitHooks) {
      try {
        await hook();
      } catch (error) {
        failures.push(error);
      }
    }
    return failures;
  }

  async runRollbackHooks(cause: unknown): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (const hook of this.rollbackHooks) {
      try {
        await hook(cause);
      } catch (error) {
        failures.push(error);
      }
    }
    return failures;
  }
}
