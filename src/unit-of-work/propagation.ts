import { IllegalTransactionStateError, TransactionRequiredError } from "../errors";
import type { Frame } from "./frame";
import type { Propagation, UnitOfWorkOptions } from "./unit-of-work-options";

/** What each propagation can do with a piece of work; implemented by `UnitRunner`. @internal */
export interface PropagationStrategies<R> {
  /** Run in the active transaction, in a frame of its own. */
  join(active: Frame): Promise<R>;
  /** Run in a SAVEPOINT of the active transaction. */
  nested(active: Frame): Promise<R>;
  /** Run on a connection and transaction of its own (outermost, or `requiresNew`). */
  begin(): Promise<R>;
  /** Run without a transaction (auto-commit), suspending an active one. */
  withoutTransaction(): Promise<R>;
}

/**
 * The one place that decides what a propagation does, given the frame active in the call chain
 * (the way MikroORM's `TransactionManager.executeWithPropagation` does). @internal
 */
export function executeWithPropagation<R>(propagation: Propagation, parent: Frame | undefined, options: UnitOfWorkOptions, run: PropagationStrategies<R>): Promise<R> {
  const active = parent?.transaction ? parent : undefined;
  switch (propagation) {
    case "required":
      return active ? run.join(active) : run.begin();
    case "requiresNew":
      return run.begin();
    case "nested":
      return active ? run.nested(active) : run.begin();
    case "mandatory":
      if (!active) throw new TransactionRequiredError(`unit of work${label(options)} needs an active unit of work (propagation "mandatory")`);
      return run.join(active);
    case "supports":
      return active ? run.join(active) : run.withoutTransaction();
    case "notSupported":
      return run.withoutTransaction();
    case "never":
      if (active) throw new IllegalTransactionStateError(`unit of work${label(options)} must not run inside another (propagation "never")`);
      return run.withoutTransaction();
  }
}

function label(options: UnitOfWorkOptions): string {
  return options.name ? ` "${options.name}"` : "";
}
