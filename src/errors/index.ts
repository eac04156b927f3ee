export * from "./unitwork-error";
export * from "./usage-errors";
export * from "./database-errors";
export * from "./connection-errors";
/** @internal */
export { translateDatabaseError, toUnitworkError } from "./sqlstate";
