import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { DataSource, QueryFailedError } from "typeorm";
import { validate } from "class-validator";
import {
  domainEntities,
  domainMigrations,
  FunctionDeployment,
  FunctionEntity,
  FunctionInvocation,
  FunctionLog,
  Organization,
  OrganizationMember,
  User,
  UserInformation,
} from "../../examples/domain";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// --- database bootstrap: one throw-away database per file on the server of DATABASE_URL ---------------
let adminUrl: string;
let databaseName: string;
let dataSource: DataSource;

beforeAll(async () => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (the jest global setup starts an embedded PostgreSQL)");
  adminUrl = url;
  databaseName = `unitwork_domain_${randomBytes(6).toString("hex")}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE "${databaseName}"`));
  const testUrl = new URL(adminUrl);
  testUrl.pathname = `/${databaseName}`;
  dataSource = new DataSource({
    type: "postgres",
    url: testUrl.toString(),
    entities: domainEntities,
    migrations: domainMigrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: "all" });
});

afterAll(async () => {
  if (dataSource?.isInitialized) await dataSource.destroy();
  if (databaseName) await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
});

async function withAdminClient(fn: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
// ------------------------------------------------------------------------------------------------------

async function pendingSchemaChanges(): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((query) => query.query);
}

async function expectQueryError(promise: Promise<unknown>): Promise<{ code: string; constraint: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(QueryFailedError);
  const driverError = (error as QueryFailedError & { driverError: { code: string; constraint: string } }).driverError;
  return { code: driverError.code, constraint: driverError.constraint };
}

describe("example domain schema", () => {
  it("the migration creates exactly the schema the entities describe", async () => {
    expect(await pendingSchemaChanges()).toEqual([]);
  });

  it("round-trips rows through the entities and reads them back with relations", async () => {
    const users = dataSource.getRepository(User);
    const user = await users.save(users.create({ email: "ada@example.com", passwordHash: "x" }));
    expect(user.id).toEqual(expect.any(Number));
    expect(user.uuid).toMatch(UUID_RE);
    expect(user).toMatchObject({ role: "user", isActive: true, version: 1, deletedAt: null });
    expect(user.createdAt).toBeInstanceOf(Date);

    await dataSource.getRepository(UserInformation).save({ userId: user.id, firstName: "Ada", lastName: "Lovelace" });
    const organization = await dataSource.getRepository(Organization).save({ name: "Analytical Engines", ownerId: user.id });
    expect(organization.uuid).toMatch(UUID_RE);
    await dataSource
      .getRepository(OrganizationMember)
      .save({ organizationId: organization.id, userId: user.id, role: "owner" });

    const functions = dataSource.getRepository(FunctionEntity);
    const analysisResult = { ok: true, warnings: ["unused import"], stats: { lines: 42, nested: { deep: null } } };
    const fn = await functions.save({ userId: user.id, organizationId: organization.id, name: "hello", analysisResult });
    expect(fn).toMatchObject({ status: "inactive", runtime: "dart", version: 1, activeDeploymentId: null });

    const deployment = await dataSource
      .getRepository(FunctionDeployment)
      .save({ functionId: fn.id, version: 1, imageTag: "hello:1", isActive: true, deployedAt: new Date() });
    expect(deployment).toMatchObject({ status: "pending", s3Key: null });
    await functions.update(fn.id, { activeDeploymentId: deployment.id, status: "active" });

    const log = await dataSource
      .getRepository(FunctionLog)
      .save({ functionId: fn.id, level: "info", message: "started", metadata: { requestId: "r1" } });
    expect(typeof log.id).toBe("string"); // bigserial comes back as a string
    expect(log.uuid).toMatch(UUID_RE);

    const invocation = await dataSource
      .getRepository(FunctionInvocation)
      .save({ functionId: fn.id, status: "success", durationMs: 12, requestSize: 100 });
    expect(typeof invocation.id).toBe("string");
    expect(invocation).toMatchObject({ coldStart: false, responseSize: null, error: null });
    expect(invocation.invokedAt).toBeInstanceOf(Date);

    const loaded = await functions.findOneOrFail({
      where: { id: fn.id },
      relations: {
        user: { information: true, memberships: { organization: true } },
        organization: true,
        activeDeployment: true,
        deployments: true,
        logs: true,
        invocations: true,
      },
    });
    expect(loaded.analysisResult).toEqual(analysisResult);
    expect(loaded.status).toBe("active");
    expect(loaded.activeDeployment?.id).toBe(deployment.id);
    expect(loaded.organization?.name).toBe("Analytical Engines");
    expect(loaded.user?.email).toBe("ada@example.com");
    expect(loaded.user?.information).toMatchObject({ firstName: "Ada", lastName: "Lovelace", country: null });
    expect(loaded.user?.memberships?.map((m) => [m.role, m.organization?.name])).toEqual([["owner", "Analytical Engines"]]);
    expect(loaded.deployments?.map((d) => d.imageTag)).toEqual(["hello:1"]);
    expect(loaded.deployments?.[0]?.deployedAt).toBeInstanceOf(Date);
    expect(loaded.logs?.map((l) => [l.id, l.level, l.metadata])).toEqual([[log.id, "info", { requestId: "r1" }]]);
    expect(loaded.invocations?.map((i) => [i.id, i.durationMs, i.requestSize])).toEqual([[invocation.id, 12, 100]]);

    const withFunctions = await users.findOneOrFail({ where: { id: user.id }, relations: { functions: true } });
    expect(withFunctions.functions?.map((f) => f.name)).toEqual(["hello"]);
  });

  it("soft-deletes users and functions through their deleted_at columns", async () => {
    const users = dataSource.getRepository(User);
    const user = await users.save({ email: "soft@example.com" });
    await users.softDelete(user.id);
    expect(await users.findOneBy({ id: user.id })).toBeNull();
    const deleted = await users.findOneOrFail({ where: { id: user.id }, withDeleted: true });
    expect(deleted.deletedAt).toBeInstanceOf(Date);

    const functions = dataSource.getRepository(FunctionEntity);
    const fn = await functions.save({ userId: user.id, name: "soft" });
    await functions.softDelete(fn.id);
    expect(await functions.countBy({ userId: user.id })).toBe(0);
    expect(await functions.count({ where: { userId: user.id }, withDeleted: true })).toBe(1);
  });

  it("names its constraints so that database errors can report them", async () => {
    const owner = await dataSource.getRepository(User).save({ email: "constraints@example.com" });
    const fn = await dataSource.getRepository(FunctionEntity).save({ userId: owner.id, name: "dup" });

    expect(await expectQueryError(dataSource.getRepository(User).insert({ email: "constraints@example.com" }))).toEqual({
      code: "23505",
      constraint: "uq_users_email",
    });
    expect(await expectQueryError(dataSource.getRepository(FunctionEntity).insert({ userId: owner.id, name: "dup" }))).toEqual({
      code: "23505",
      constraint: "uq_functions_user_name",
    });
    expect(await expectQueryError(dataSource.getRepository(FunctionEntity).insert({ userId: 999_999, name: "x" }))).toEqual({
      code: "23503",
      constraint: "fk_functions_user",
    });
    expect(
      await expectQueryError(
        dataSource.getRepository(FunctionLog).insert({ functionId: fn.id, level: "fatal" as never, message: "m" }),
      ),
    ).toEqual({ code: "23514", constraint: "chk_function_logs_level" });
    expect(
      await expectQueryError(
        dataSource.getRepository(FunctionInvocation).insert({ functionId: fn.id, status: "success", durationMs: -1 }),
      ),
    ).toEqual({ code: "23514", constraint: "chk_function_invocations_duration_ms" });
  });

  it("cascades function deletes and nulls the active deployment when it is removed", async () => {
    const owner = await dataSource.getRepository(User).save({ email: "cascade@example.com" });
    const fn = await dataSource.getRepository(FunctionEntity).save({ userId: owner.id, name: "cascade" });
    const deployment = await dataSource
      .getRepository(FunctionDeployment)
      .save({ functionId: fn.id, version: 1, imageTag: "cascade:1" });
    await dataSource.getRepository(FunctionEntity).update(fn.id, { activeDeploymentId: deployment.id });
    await dataSource.getRepository(FunctionLog).save({ functionId: fn.id, level: "warn", message: "w" });

    await dataSource.getRepository(FunctionDeployment).delete(deployment.id);
    expect((await dataSource.getRepository(FunctionEntity).findOneByOrFail({ id: fn.id })).activeDeploymentId).toBeNull();

    await dataSource.getRepository(FunctionEntity).delete(fn.id);
    expect(await dataSource.getRepository(FunctionLog).countBy({ functionId: fn.id })).toBe(0);
  });

  it("declares a class-validator rule for every column and relation, so whitelisting keeps them", async () => {
    const forbidden: string[] = [];
    for (const metadata of dataSource.entityMetadatas) {
      const instance = new (metadata.target as new () => object)() as Record<string, unknown>;
      for (const column of metadata.columns) instance[column.propertyName] = undefined;
      for (const relation of metadata.relations) instance[relation.propertyName] = undefined;
      instance["notAColumn"] = undefined; // control: an undeclared key must be reported
      const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, skipMissingProperties: true });
      for (const error of errors) {
        if (error.constraints?.["whitelistValidation"]) forbidden.push(`${metadata.name}.${error.property}`);
      }
    }
    expect(forbidden).toEqual(dataSource.entityMetadatas.map((metadata) => `${metadata.name}.notAColumn`));
  });

  it("validates writable values with class-validator", async () => {
    const options = { whitelist: true, forbidNonWhitelisted: true } as const;
    const properties = async (entity: object) => (await validate(entity, options)).map((error) => error.property).sort();

    expect(await properties(Object.assign(new User(), { email: "ok@example.com", role: "admin" }))).toEqual([]);
    expect(await properties(Object.assign(new User(), { email: "not-an-email", role: "root", nope: 1 }))).toEqual([
      "email",
      "nope",
      "role",
    ]);
    expect(
      await properties(Object.assign(new FunctionInvocation(), { functionId: 1, status: "success", durationMs: -5 })),
    ).toEqual(["durationMs"]);
    expect(await properties(Object.assign(new FunctionLog(), { functionId: 1, level: "fatal", message: "m" }))).toEqual([
      "level",
    ]);
    expect(await properties(Object.assign(new FunctionEntity(), { userId: 1, name: "", uuid: "nope" }))).toEqual([
      "name",
      "uuid",
    ]);
  });

  it("down() removes everything up() created, and up() runs again cleanly", async () => {
    for (let i = 0; i < domainMigrations.length; i++) await dataSource.undoLastMigration({ transaction: "all" });
    const tables = await dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables).toEqual([{ tablename: "migrations" }]);
    const enumTypes = await dataSource.query(
      `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' AND t.typtype = 'e'`,
    );
    expect(enumTypes).toEqual([]);

    await dataSource.runMigrations({ transaction: "all" });
    expect(await pendingSchemaChanges()).toEqual([]);
  });
});
