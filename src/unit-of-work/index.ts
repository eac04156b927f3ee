export type { Propagation, IsolationLevel, RetryCondition, RetryOptions, UnitOfWorkOptions } from "./unit-of-work-options";
export type { UnitOfWorkContext, CommitHook, RollbackHook } from "./unit-of-work-context";
export type { TransactionSettings } from "./transaction-settings";
export { UnitOfWork } from "./unit-of-work";
export { Transactional } from "./transactional";
export type { ReadConsistency, ReplicaOptions } from "./replica-options";
export type { ReplicaHealth } from "./replica-router";
/** @internal */
export { checkUnitOfWorkOptions, PROPAGATIONS, ISOLATION_LEVELS, RETRY_CONDITIONS, UNIT_OF_WORK_OPTION_KEYS } from "./unit-of-work-options";
/** @internal */
export type { UnitOfWorkSettings } from "./unit-of-work";
/** @internal */
export type { UnitOfWorkListener, UnitRun } from "./unit-of-work-listener";
/** @internal */
export { OWN_UNIT_OF_WORK, unitOfWorkOf } from "./transactional";
/** @internal */
export { ContextStore, createContextStore, type ExecutionContext } from "./execution-context";
/** @internal */
export type { Frame, RepositoryResolver } from "./frame";
/** @internal */
export { resolveReplicaOptions } from "./replica-options";
