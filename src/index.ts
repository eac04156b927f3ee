/**
 * unitwork: an async Unit-of-Work and repository layer for TypeORM and PostgreSQL.
 *
 * @packageDocumentation
 */
export * from "./errors/unitwork-error";
export * from "./errors/usage-errors";
export * from "./errors/database-errors";
export * from "./errors/connection-errors";
export * from "./errors/unsupported-mapping-error";
export { dataSourceOptionsFromEnv, type PostgresDataSourceOptions, type UnitworkLogger } from "./config";
export type {
  Filter,
  FieldFilter,
  FieldOperators,
  Sort,
  SortDirection,
  SortSpec,
  SortObject,
  Relations,
  Related,
  Page,
  CursorPage,
  ParseListQueryOptions,
  ListQuery,
  ListField,
  ListFieldType,
} from "./query";
export { parseListQuery, untrusted } from "./query";
export {
  UnitOfWork,
  Transactional,
  type UnitOfWorkContext,
  type UnitOfWorkOptions,
  type Propagation,
  type IsolationLevel,
  type RetryOptions,
  type RetryCondition,
  type CommitHook,
  type RollbackHook,
} from "./unit-of-work";
export {
  QueryAnalyzer,
  QueryAnalysisError,
  type AnalyzerMode,
  type IgnoreRule,
  type QueryAnalyzerOptions,
  type ResolvedAnalyzerOptions,
  type AnalysisReport,
  type CapturedQuery,
  type Finding,
  type FindingKind,
  type FingerprintStats,
  type PlanSummary,
  type LockInfo,
  type BlockerInfo,
} from "./analyzer";
export {
  AsyncBaseRepository,
  RepositoryFactory,
  type RepositoryClass,
  type RepositoryOf,
  type EntityId,
  type EntityKey,
  type CompositeId,
  type GetByIdOptions,
  type FindManyOptions,
  type StreamOptions,
  type PaginateOptions,
  type CursorPaginateOptions,
  type RelationStrategy,
  type RepositorySettings,
  type EntityRepositorySettings,
  type WriteOptions,
  type BulkRowsInput,
  type BulkInsertOptions,
  type BulkInsertResult,
  type BulkUpdateOptions,
  type BulkUpdateResult,
  type BulkUpsertOptions,
  type BulkUpsertResult,
  type BulkDeleteResult,
} from "./repository";
export {
  createUnitwork,
  Unitwork,
  type CreateUnitworkOptions,
  type HealthReport,
  type HealthOptions,
  type HealthDetails,
  type CloseOptions,
  type ConnectRetryOptions,
} from "./bootstrap";
export type { TelemetryOptions } from "./telemetry";
export { registerUnitwork, InjectRepository, RequestContext, applicationContainer, createRequestContainer } from "./di";
export {
  withUnitOfWork,
  mapError,
  HttpReply,
  reply,
  serverTiming,
  type RequestScope,
  type WithUnitOfWorkOptions,
  type RequestInfo,
  type ScopedOutcome,
  type ScopedHandler,
  type HttpErrorBody,
  type HttpErrorResponse,
  type AnalysisReportLike,
  type HealthHandlerOptions,
} from "./http";
