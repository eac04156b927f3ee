export { AsyncBaseRepository } from "./async-base-repository";
export { RepositoryFactory } from "./repository-factory";
export type { CompositeId, EntityId, EntityKey } from "./entity-id";
export type { FindManyOptions, GetByIdOptions, PaginateOptions, CursorPaginateOptions, RelationStrategy } from "./find-options";
export type * from "./bulk-options";
export type { EntityRepositorySettings, RepositorySettings } from "./repository-settings";
export type { WriteOptions } from "./write-options";
export type { StreamOptions } from "./stream-options";
export type { RepositoryClass, RepositoryOf } from "./repository-of";
/** @internal */
export type { BulkEngine, BulkPort, StatementText } from "./bulk-engine";
/** @internal */
export type { RepositoryRuntime } from "./repository-runtime";
/** @internal */
export { DEFAULT_REPOSITORY_SETTINGS } from "./repository-settings";
