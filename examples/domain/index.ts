/**
 * The example domain used by the tests, the demo and the benchmarks: the schema of a small serverless
 * platform (users, their profiles, organizations and members, functions with deployments, logs and
 * invocations), as TypeORM entities plus one hand-written migration that creates exactly that schema.
 */
import { FunctionEntity } from "./entities/function";
import { FunctionDeployment } from "./entities/function-deployment";
import { FunctionInvocation } from "./entities/function-invocation";
import { FunctionLog } from "./entities/function-log";
import { Organization } from "./entities/organization";
import { OrganizationMember } from "./entities/organization-member";
import { User } from "./entities/user";
import { UserInformation } from "./entities/user-information";
import { InitialSchema1700000000000 } from "./migrations/1700000000000-initial-schema";
import { UsersEmailCaseInsensitive1700000000001 } from "./migrations/1700000000001-users-email-case-insensitive";

export { User, UserRole } from "./entities/user";
export { UserInformation } from "./entities/user-information";
export { Organization } from "./entities/organization";
export { OrganizationMember, OrganizationRole } from "./entities/organization-member";
export { FunctionEntity, FunctionStatus } from "./entities/function";
export { FunctionDeployment, DeploymentStatus } from "./entities/function-deployment";
export { FunctionLog, LogLevel } from "./entities/function-log";
export { FunctionInvocation, InvocationStatus } from "./entities/function-invocation";
export { InitialSchema1700000000000 } from "./migrations/1700000000000-initial-schema";
export { UsersEmailCaseInsensitive1700000000001 } from "./migrations/1700000000001-users-email-case-insensitive";

/** Every entity class of the domain, for `DataSourceOptions.entities`. */
export const domainEntities = [
  User,
  UserInformation,
  Organization,
  OrganizationMember,
  FunctionEntity,
  FunctionDeployment,
  FunctionLog,
  FunctionInvocation,
];

/** The domain's migrations in order, for `DataSourceOptions.migrations`. */
export const domainMigrations = [InitialSchema1700000000000, UsersEmailCaseInsensitive1700000000001];
