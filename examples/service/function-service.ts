import { injectable } from "tsyringe";
import { AsyncBaseRepository, InjectRepository, NotFoundError, RequestContext, ValidationError, parseListQuery } from "../../src";
import { DeploymentStatus, FunctionDeployment, FunctionEntity, FunctionInvocation, FunctionLog, FunctionStatus, type LogLevel } from "../domain";
import { toDeploymentDto, toFunctionDto, type DeploymentDto, type FunctionDto } from "./dto";
import type { FunctionInvocationRepository, InvocationStats } from "./function-invocation-repository";
import { RequestBody } from "./request-body";
import { UserService } from "./user-service";

/** Most log lines one `POST /functions/:uuid/logs` accepts. */
export const MAX_LOG_LINES = 10_000;

export interface DeployResult extends DeploymentDto {
  /** The version that was active before this deploy, if any. */
  previousVersion: number | null;
  /** The function's active version read back inside the same unit of work (its own write). */
  functionActiveVersion: number | null;
  /** The request this deploy ran in (from the request container's `RequestContext`). */
  requestId: string;
}

/** Functions, their deployments, logs and stats. Resolved per request from the request's container. */
@injectable()
export class FunctionService {
  constructor(
    @InjectRepository(FunctionEntity) private readonly functions: AsyncBaseRepository<FunctionEntity>,
    @InjectRepository(FunctionDeployment) private readonly deployments: AsyncBaseRepository<FunctionDeployment>,
    @InjectRepository(FunctionLog) private readonly logs: AsyncBaseRepository<FunctionLog>,
    @InjectRepository(FunctionInvocation) private readonly invocations: FunctionInvocationRepository,
    private readonly users: UserService,
    private readonly request: RequestContext,
  ) {}

  /** `POST /functions` body: `{ ownerUuid, name, runtime? }`. */
  async create(body: unknown): Promise<FunctionDto> {
    const input = new RequestBody("CreateFunctionRequest", body);
    const owner = await this.users.findByUuid(input.string("ownerUuid"));
    const fn = await this.functions.create({ userId: owner.id, name: input.string("name"), runtime: input.optionalString("runtime") });
    return toFunctionDto(fn);
  }

  /** `GET /functions?filter[status]=active&sort=-createdAt&page=1&pageSize=20`. */
  async list(query: Record<string, unknown>) {
    const { where, orderBy, page, pageSize } = parseListQuery(query, {
      filterable: { status: "string", runtime: "string", name: "string", createdAt: "date" },
      sortable: ["createdAt", "updatedAt", "name", "status"],
      maxPageSize: 100,
    });
    const result = await this.functions.paginate({ where, orderBy: orderBy ?? "-createdAt", page, pageSize, relations: ["activeDeployment"] });
    return { ...result, items: result.items.map((fn) => toFunctionDto(fn)) };
  }

  /** `GET /functions/:uuid`: the function with all its deployments. */
  async get(uuid: string): Promise<FunctionDto> {
    const fn = await this.functions.findFirst({ where: { uuid }, relations: ["deployments"] });
    if (!fn) throw new NotFoundError("Function", uuid);
    return toFunctionDto(fn);
  }

  /**
   * `POST /functions/:uuid/deployments` body: `{ imageTag, s3Key? }`. Atomic in the request's unit of
   * work: the function row is locked (`SELECT … FOR UPDATE`) so concurrent deploys of one function run
   * one after the other; each sees the previous one's committed version, deactivates the function's
   * active deployment, inserts the next version as the only active one and points the function at it.
   */
  async deploy(uuid: string, body: unknown): Promise<DeployResult> {
    const input = new RequestBody("DeployRequest", body);
    const imageTag = input.string("imageTag");
    const s3Key = input.optionalString("s3Key") ?? null;
    const { id } = await this.findByUuid(uuid);
    const fn = await this.functions.getByIdOrFail(id, { lock: "pessimistic_write" });
    const latest = await this.deployments.findFirst({ where: { functionId: fn.id }, orderBy: "-version" });
    const previous = fn.activeDeploymentId === null ? null : await this.deployments.update(fn.activeDeploymentId, { isActive: false });
    const deployment = await this.deployments.create({
      functionId: fn.id,
      version: (latest?.version ?? 0) + 1,
      imageTag,
      s3Key,
      status: DeploymentStatus.Deployed,
      isActive: true,
      deployedAt: new Date(),
    });
    await this.functions.update(fn, { activeDeploymentId: deployment.id, status: FunctionStatus.Active });
    const readBack = await this.functions.getByIdOrFail(fn.id, { relations: ["activeDeployment"] });
    return {
      ...toDeploymentDto(deployment),
      previousVersion: previous?.version ?? null,
      functionActiveVersion: readBack.activeDeployment?.version ?? null,
      requestId: this.request.id,
    };
  }

  /** `POST /functions/:uuid/logs` body: `{ lines: [{ level, message, metadata? }] }`: one bulk insert. */
  async appendLogs(uuid: string, body: unknown): Promise<{ count: number }> {
    const lines = new RequestBody("AppendLogsRequest", body).array("lines", MAX_LOG_LINES);
    const { id: functionId } = await this.findByUuid(uuid);
    const rows = lines.map((line, row) => {
      if (typeof line !== "object" || line === null || Array.isArray(line)) {
        throw new ValidationError("FunctionLog", [{ property: "lines", row, constraints: { isObject: "each line must be an object" } }]);
      }
      const { level, message, metadata } = line as { level?: LogLevel; message?: string; metadata?: Record<string, unknown> };
      return { functionId, level, message, metadata: metadata ?? null };
    });
    const { count } = await this.logs.bulkInsert(rows as Partial<FunctionLog>[], { validate: true, returning: "none" });
    return { count };
  }

  /** `GET /functions/:uuid/stats`: invocation counts and durations, aggregated in SQL. */
  async stats(uuid: string): Promise<{ uuid: string; name: string } & InvocationStats> {
    const fn = await this.findByUuid(uuid);
    return { uuid: fn.uuid, name: fn.name, ...(await this.invocations.statsFor(fn.id)) };
  }

  private async findByUuid(uuid: string): Promise<FunctionEntity> {
    const fn = await this.functions.findFirst({ where: { uuid } });
    if (!fn) throw new NotFoundError("Function", uuid);
    return fn;
  }
}
