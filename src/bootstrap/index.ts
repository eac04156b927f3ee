export { createUnitwork, type CreateUnitworkOptions } from "./create-unitwork";
export { Unitwork, type HealthReport } from "./unitwork";
