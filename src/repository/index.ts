export { AsyncBaseRepository } from "./async-base-repository";
export { RepositoryFactory } from "./repository-factory";
export type { EntityId } from "./entity-id";
export type { FindManyOptions, GetByIdOptions, PaginateOptions, CursorPaginateOptions, RelationStrategy } from "./find-options";
export type * from "./bulk-options";
export type { BulkEngine, BulkPort, StatementText } from "./bulk-engine";
export type { CallSiteTracer, RepositoryRuntime } from "./repository-runtime";
export { DEFAULT_REPOSITORY_SETTINGS, type RepositorySettings } from "./repository-settings";
