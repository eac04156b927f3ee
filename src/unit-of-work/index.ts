export * from "./unit-of-work-options";
export type { UnitOfWorkContext, CommitHook, RollbackHook } from "./unit-of-work-context";
export { UnitOfWork, type UnitOfWorkSettings } from "./unit-of-work";
export type { UnitOfWorkListener } from "./unit-of-work-listener";
export { Transactional, OWN_UNIT_OF_WORK, unitOfWorkOf } from "./transactional";
export { ContextStore, createContextStore, type ExecutionContext } from "./execution-context";
export type { Frame, RepositoryResolver } from "./frame";
