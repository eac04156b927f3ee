export type { TelemetryOptions } from "./telemetry-options";
/** @internal */
export { checkTelemetryOptions, TELEMETRY_OPTION_KEYS } from "./telemetry-options";
/** @internal */
export { UnitworkTelemetry, INSTRUMENTATION_SCOPE, errorType, type TelemetrySettings } from "./unitwork-telemetry";
/** @internal */
export { summarizeStatement, type StatementSummary } from "./statement-summary";
