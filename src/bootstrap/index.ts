export { createUnitwork, type CreateUnitworkOptions } from "./create-unitwork";
export { Unitwork, type HealthReport, type HealthOptions, type CloseOptions, type SessionOptions } from "./unitwork";
export type { HealthDetails } from "./health-details";
export type { ConnectRetryOptions } from "./initialize";
