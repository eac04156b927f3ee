export * from "./unit-of-work-options";
export type { UnitOfWorkContext, CommitHook, RollbackHook, RepositoryClass, RepositoryOf } from "./unit-of-work-context";
export { UnitOfWork, type UnitOfWorkListener, type UnitOfWorkSettings } from "./unit-of-work";
export { Transactional, setTransactionalLocator } from "./transactional";
export type { Frame, RepositoryResolver } from "./frame";
