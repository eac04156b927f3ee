/**
 * unitwork: an async Unit-of-Work and repository layer for TypeORM and PostgreSQL.
 * This barrel re-exports the public API only.
 */
export * from "./errors/unitwork-error";
export * from "./errors/usage-errors";
export * from "./errors/database-errors";
export * from "./errors/connection-errors";
export { dataSourceOptionsFromEnv, type PostgresDataSourceOptions, type UnitworkLogger } from "./config";
export type { Filter, FieldOperators } from "./query";
export {
  UnitOfWork,
  Transactional,
  type UnitOfWorkContext,
  type UnitOfWorkOptions,
  type Propagation,
  type IsolationLevel,
  type RetryOptions,
  type CommitHook,
  type RollbackHook,
} from "./unit-of-work";
export { AsyncBaseRepository, type EntityId, type GetByIdOptions } from "./repository";
export type {
  BulkRowsInput,
  BulkInsertOptions,
  BulkInsertResult,
  BulkUpdateOptions,
  BulkUpdateResult,
  BulkUpsertOptions,
  BulkUpsertResult,
  BulkDeleteResult,
  RepositorySettings,
} from "./repository";
export { RepositoryFactory } from "./repository";
export { createUnitwork, Unitwork, type CreateUnitworkOptions, type HealthReport } from "./bootstrap";
export { registerUnitwork, InjectRepository } from "./di";

// --- query: filters, sorting, pagination (issue 3 adds its exports below this line)
export { parseListQuery, type Sort, type SortDirection, type SortSpec, type Relations, type Page, type CursorPage, type ParseListQueryOptions, type ListQuery, type ListField, type ListFieldType } from "./query";
export type { FindManyOptions, PaginateOptions, CursorPaginateOptions, RelationStrategy } from "./repository";

// --- bulk (issue 4 adds its exports below this line)

// --- analyzer (issue 5 adds its exports below this line)
export {
  QueryAnalyzer,
  QueryAnalysisError,
  type AnalyzerMode,
  type IgnoreRule,
  type QueryAnalyzerOptions,
  type AnalysisReport,
  type CapturedQuery,
  type Finding,
  type FindingKind,
  type FingerprintStats,
  type PlanSummary,
} from "./analyzer";

// --- http and DI helpers (issue 6 adds its exports below this line)
export { RequestContext } from "./di/request-context";
export { applicationContainer, createRequestContainer } from "./di/request-container";
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
} from "./http";
