export type { Filter, FieldFilter, FieldOperators } from "./filter";
export type { Sort, SortDirection, SortSpec, SortObject } from "./sort";
export type { Relations, Related } from "./relations";
export type { Page, CursorPage } from "./page";
export { untrusted } from "./untrusted-input";
export { parseListQuery, type ParseListQueryOptions, type ListQuery, type ListField, type ListFieldType } from "./parse-list-query";
/** @internal */
export { applyFilter, type FilterTarget } from "./filter";
/** @internal */
export { compileFilter, operatorsFor, FILTER_LIMITS, type CompileFilterOptions, type CompiledFilter } from "./filter-compiler";
/** @internal */
export { SqlBindings } from "./sql-bindings";
/** @internal */
export { columnKind, checkColumnValue, UUID, type ColumnKind } from "./column-value";
/** @internal */
export { toColumnValue } from "./column-transformer";
/** @internal */
export { entityFields, isPlainObject, type EntityFields } from "./entity-fields";
/** @internal */
export { quoteIdentifier, columnRef, tableRef } from "./sql-identifier";
/** @internal */
export { isToMany, junctionLink, relationCondition, relationKeyPairs, relatedMetadata, type JunctionLink } from "./relation-join";
/** @internal */
export { parseSort, sortExpression, MAX_SORT_KEYS, type SortKey } from "./sort";
/** @internal */
export { parseRelations, hasToMany, MAX_RELATION_DEPTH, type RelationNode } from "./relations";
/** @internal */
export { checkPageSize, checkOffset, pageOffset, type PageLimits } from "./page";
/** @internal */
export { CursorCodec, CursorKey, randomCursorSecret, type CursorValues, type CursorBinding } from "./cursor";
/** @internal */
export { keysetCondition } from "./keyset";
/** @internal */
export { unstorableText } from "./storable-text";
/** @internal */
export { isUntrusted } from "./untrusted-input";
