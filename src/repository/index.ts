export { AsyncBaseRepository, type EntityId, type GetByIdOptions } from "./async-base-repository";
export type { FindManyOptions, PaginateOptions, CursorPaginateOptions, RelationStrategy } from "./find-options";
export type * from "./bulk-engine";
export { DEFAULT_REPOSITORY_SETTINGS, type RepositoryRuntime, type RepositorySettings } from "./repository-runtime";
export type { RepositoryClass, RepositoryOf } from "./repository-of";
