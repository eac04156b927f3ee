export * from "./unitwork-error";
export * from "./usage-errors";
export * from "./database-errors";
export * from "./connection-errors";
export * from "./unsupported-mapping-error";
/** @internal */
export { translateDatabaseError, toUnitworkError } from "./sqlstate";
