export { dataSourceOptionsFromEnv, type PostgresDataSourceOptions } from "./data-source-options-from-env";
export type { UnitworkLogger } from "./logger";
/** @internal */
export { defaultLogger } from "./logger";
/** @internal */
export { refuseUnknownOptions } from "./refuse-unknown-options";
