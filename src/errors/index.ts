export * from "./unitwork-error";
export * from "./usage-errors";
export * from "./database-errors";
export { translateDatabaseError, toUnitworkError } from "./sqlstate";
export * from "./connection-errors";
