export { createServiceApp, type ServiceAppOptions } from "./app";
export { UserService } from "./user-service";
export { FunctionService, MAX_LOG_LINES, type DeployResult } from "./function-service";
export { FunctionInvocationRepository, type InvocationStats } from "./function-invocation-repository";
export type { UserDto, FunctionDto, DeploymentDto } from "./dto";
