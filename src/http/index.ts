export { withUnitOfWork, type RequestScope, type WithUnitOfWorkOptions, type RequestInfo, type ScopedOutcome, type ScopedHandler } from "./with-unit-of-work";
export type { HealthHandlerOptions } from "./health-handler";
export type { ConsistencyTokenCarrier } from "./consistency-token";
export { mapError, type HttpErrorBody, type HttpErrorResponse } from "./error-mapper";
export { HttpReply, reply } from "./http-reply";
export { serverTiming, type AnalysisReportLike } from "./analyzer-port";
