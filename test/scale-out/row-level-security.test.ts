import { randomBytes } from "node:crypto";
import { domainEntities, FunctionEntity, Organization, OrganizationMember, User } from "../../examples/domain";
import { DataSource } from "typeorm";
import { createUnitwork, dataSourceOptionsFromEnv, mapError, PermissionDeniedError, type Unitwork } from "../../src";
import { asServerAdmin } from "../support/test-database";
import { describeWithPgBouncer, startPgBouncer, type PgBouncer, type PgBouncerUser } from "../support/pgbouncer";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/**
 * Row-level security on the example domain's organizations with UnitOfWorkOptions.settings: the
 * tenant is an organization; a policy on current_setting('app.tenant_id') lets a transaction see
 * (and write) only its organization, its members and its functions. The application connects as a
 * role that is not a superuser and does not own the tables, and the tables FORCE row level security.
 * The same scenario runs on a direct connection and through PgBouncer in transaction mode.
 */

/** The policies (run as the tables' owner, after the domain's migrations). */
const RLS_SQL = (role: string) => [
  `GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, organization_members, functions TO ${role}`,
  `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
  ...["organizations", "organization_members", "functions"].flatMap((table) => [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
  ]),
  `CREATE POLICY tenant_isolation ON organizations USING (id = NULLIF(current_setting('app.tenant_id', true), '')::int)`,
  `CREATE POLICY tenant_isolation ON organization_members USING (organization_id = NULLIF(current_setting('app.tenant_id', true), '')::int)`,
  `CREATE POLICY tenant_isolation ON functions USING (organization_id = NULLIF(current_setting('app.tenant_id', true), '')::int)`,
];

interface Tenant {
  name: string;
  organizationId: number;
  ownerId: number;
  functions: number;
}

/** Two organizations with their members and functions, written by the server's superuser (RLS never applies to it). */
async function seed(owner: Unitwork): Promise<[Tenant, Tenant]> {
  const tenants: Tenant[] = [];
  for (const [name, functions] of [["acme", 3], ["globex", 2]] as const) {
    tenants.push(await owner.unitOfWork.run(async (ctx) => {
      const user = await ctx.repository(User).create({ email: `${name}-owner@example.com` });
      const organization = await ctx.repository(Organization).create({ name, ownerId: user.id });
      await ctx.repository(OrganizationMember).create({ organizationId: organization.id, userId: user.id, role: "owner" });
      for (let i = 0; i < functions; i++) await ctx.repository(FunctionEntity).create({ userId: user.id, organizationId: organization.id, name: `${name}-fn-${i}` });
      return { name, organizationId: organization.id, ownerId: user.id, functions };
    }));
  }
  return tenants as [Tenant, Tenant];
}

function scenario(through: "direct" | "pgbouncer") {
  let owner: TestUnitwork;
  let app: Unitwork;
  let bouncer: PgBouncer | undefined;
  let tenants: [Tenant, Tenant];
  const role: PgBouncerUser = { name: `uw_rls_${randomBytes(4).toString("hex")}`, password: randomBytes(12).toString("hex") };

  beforeAll(async () => {
    await asServerAdmin((c) => c.query(`CREATE ROLE ${role.name} LOGIN PASSWORD '${role.password}' NOSUPERUSER NOBYPASSRLS`));
    owner = await openTestUnitwork({ label: `rls-${through}`, poolSize: 2 });
    for (const statement of RLS_SQL(role.name)) await owner.db.query(statement);
    tenants = await seed(owner.uw);
    // the application connects as the role, with a pool of 10 (through PgBouncer: on 2 server connections)
    let url: string;
    if (through === "pgbouncer") {
      bouncer = await startPgBouncer({ poolSize: 2, users: [role] });
      url = bouncer.url(owner.db.name, role);
    } else {
      const direct = new URL(owner.db.url);
      [direct.username, direct.password] = [role.name, role.password];
      url = direct.toString();
    }
    app = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url, DB_POOL_MAX: "10" }), entities: domainEntities }), logger: owner.logger });
  });
  afterAll(async () => {
    await app?.close();
    await owner?.close();
    await bouncer?.stop();
    await asServerAdmin((c) => c.query(`DROP ROLE IF EXISTS ${role.name}`));
  });

  test("the application role is no superuser and the tables force row level security", async () => {
    const [me] = await app.dataSource.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
    expect(me).toEqual({ rolsuper: false, rolbypassrls: false });
    const tables = await app.dataSource.query("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname IN ('organizations', 'organization_members', 'functions') ORDER BY relname");
    expect(tables.every((t: { relrowsecurity: boolean; relforcerowsecurity: boolean }) => t.relrowsecurity && t.relforcerowsecurity)).toBe(true);
  });

  test("20 interleaved units of two tenants each see and write only their own rows", async () => {
    const units = Array.from({ length: 20 }, (_, i) => {
      const tenant = tenants[i % 2]!;
      return app.unitOfWork.run(async (ctx) => {
        const organizations = await ctx.repository(Organization).findMany();
        await ctx.manager.query("SELECT pg_sleep(0.01)"); // let the other tenant's units run in between
        const created = await ctx.repository(FunctionEntity).create({ userId: tenant.ownerId, organizationId: tenant.organizationId, name: `${tenant.name}-unit-${i}` });
        const functions = await ctx.repository(FunctionEntity).findMany();
        const members = await ctx.repository(OrganizationMember).findMany();
        return { tenant, organizations, functions, members, created };
      }, { settings: { "app.tenant_id": String(tenant.organizationId) } });
    });
    const results = await Promise.all(units);
    for (const { tenant, organizations, functions, members, created } of results) {
      expect(organizations.map((o) => o.name)).toEqual([tenant.name]);
      expect(members.map((m) => m.organizationId)).toEqual([tenant.organizationId]);
      expect(functions.length).toBeGreaterThanOrEqual(tenant.functions + 1);
      expect(functions.every((f) => f.organizationId === tenant.organizationId && f.name.startsWith(`${tenant.name}-`))).toBe(true);
      expect(functions.map((f) => f.id)).toContain(created.id);
    }
    // all 20 committed: each tenant now has its 10 more, and sees exactly its own
    for (const tenant of tenants) {
      const count = await app.unitOfWork.run((ctx) => ctx.repository(FunctionEntity).count(), { settings: { "app.tenant_id": String(tenant.organizationId) } });
      expect(count).toBe(tenant.functions + 10);
    }
  });

  test("another tenant's rows cannot be written, changed or deleted", async () => {
    const [acme, globex] = tenants;
    const outcome = await app.unitOfWork.run(async (ctx) => {
      const functions = ctx.repository(FunctionEntity);
      const intoOther = await app.unitOfWork.run(() => functions.create({ userId: globex.ownerId, organizationId: globex.organizationId, name: "smuggled" }), { propagation: "nested" }).catch((error: unknown) => error);
      const [updated] = await ctx.manager.query("WITH u AS (UPDATE functions SET name = name || '-hijacked' WHERE organization_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM u", [globex.organizationId]);
      const [deleted] = await ctx.manager.query("WITH d AS (DELETE FROM functions WHERE organization_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d", [globex.organizationId]);
      return { intoOther, updated: updated.n, deleted: deleted.n };
    }, { settings: { "app.tenant_id": String(acme.organizationId) } });
    // WITH CHECK (the USING expression) refuses the row: SQLSTATE 42501, a 403 for an HTTP client
    expect(outcome.intoOther).toBeInstanceOf(PermissionDeniedError);
    const refused = outcome.intoOther as PermissionDeniedError;
    expect([refused.sqlState, refused.code, refused.rowLevelSecurity]).toEqual(["42501", "PERMISSION_DENIED", true]);
    expect(refused.message).toMatch(/row-level security policy/);
    // told apart by the server function that raised it, which does not depend on the message language
    const routine = (error: unknown) => ((error as { cause?: { driverError?: { routine?: string } } }).cause?.driverError?.routine);
    expect(routine(refused)).toBe("ExecWithCheckOptions");
    expect(mapError(refused)).toMatchObject({ status: 403, body: { error: { code: "PERMISSION_DENIED", details: { table: "functions" } } }, unexpected: false });
    expect([outcome.updated, outcome.deleted]).toEqual([0, 0]);
    const globexNames = await app.unitOfWork.run(async (ctx) => (await ctx.repository(FunctionEntity).findMany()).map((f) => f.name), { settings: { "app.tenant_id": String(globex.organizationId) } });
    expect(globexNames.some((name) => name.includes("hijacked") || name === "smuggled")).toBe(false);
  });

  test("a table the role has no GRANT on: PermissionDeniedError, not row-level security, a 500 for an HTTP client", async () => {
    const failed = await app.repositories.create(User).count().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PermissionDeniedError);
    expect((failed as PermissionDeniedError).rowLevelSecurity).toBe(false);
    expect((failed as Error).message).toMatch(/permission denied for table users/);
    expect((failed as { cause?: { driverError?: { routine?: string } } }).cause?.driverError?.routine).toBe("aclcheck_error");
    expect(mapError(failed)).toMatchObject({ status: 500, unexpected: true, body: { error: { code: "INTERNAL_ERROR" } } });
  });

  test("without the setting (outside a unit of work, or a unit without settings) nothing is visible, on every reused connection", async () => {
    const outside = await Promise.all(Array.from({ length: 10 }, () => app.repositories.create(Organization).count()));
    expect(outside).toEqual(outside.map(() => 0));
    const inside = await Promise.all(Array.from({ length: 10 }, () => app.unitOfWork.run((ctx) => ctx.repository(FunctionEntity).count())));
    expect(inside).toEqual(inside.map(() => 0));
  });
}

describe("row-level security with settings, direct connections", () => scenario("direct"));

describeWithPgBouncer("row-level security with settings, through PgBouncer in transaction mode", () => scenario("pgbouncer"));
