import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import express, { type Request } from "express";
import { DataSource } from "typeorm";
import { domainEntities, FunctionEntity, Organization, User } from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv, PermissionDeniedError, UnitOfWorkTimeoutError, type Unitwork } from "../../src";
import { expressErrorHandler, expressHandler } from "../../src/http/express";
import { startTestServer } from "../http/http-test-server";
import { describeWithPgBouncer, startPgBouncer } from "../support/pgbouncer";
import { asServerAdmin } from "../support/test-database";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/**
 * The examples of docs/scale-out.md's sections "PgBouncer (transaction mode)" and "Row-level security
 * with settings", run as written: each ```ts block of those sections is copied here unchanged (the
 * first test checks that), and the ```sql block is run as it stands (with a role name and password of
 * this run's own, roles being shared by the whole server).
 */
const SECTIONS = ["## PgBouncer (transaction mode)", "## Row-level security with settings"];
const page = readFileSync(join(__dirname, "../../docs/scale-out.md"), "utf8");
/** The text of one `## ` section of the page, up to the next one. */
const section = (title: string) => {
  const start = page.indexOf(`\n${title}\n`);
  if (start < 0) throw new Error(`docs/scale-out.md has no section ${title}`);
  const end = page.indexOf("\n## ", start + title.length + 2);
  return page.slice(start, end < 0 ? undefined : end);
};
const blocks = (text: string, language: string) => [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
const normalize = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("import "));

test("every ts example of the two sections is in this file, unchanged", () => {
  const here = normalize(readFileSync(__filename, "utf8"));
  const examples = SECTIONS.flatMap((title) => blocks(section(title), "ts")).map(normalize);
  expect(examples).toHaveLength(3);
  const missing = examples.filter((block) => !here.some((_, at) => block.every((line, i) => here[at + i] === line)));
  expect(missing).toEqual([]);
});

/** Points dataSourceOptionsFromEnv() at `url` while `fn` runs. */
async function withDatabaseUrl(url: string, fn: () => Promise<void>): Promise<void> {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url;
  try {
    await fn();
  } finally {
    process.env.DATABASE_URL = saved;
  }
}

describe("Row-level security with settings", () => {
  let owner: TestUnitwork;
  let uw: Unitwork;
  const role = { name: `uw_docs_${randomBytes(4).toString("hex")}`, password: randomBytes(12).toString("hex") };
  let acme: Organization;
  let globex: Organization;
  let ada: User;

  const asServerSuperuser = (sql: string) => asServerAdmin((client) => client.query(sql));

  beforeAll(async () => {
    owner = await openTestUnitwork({ label: "docs-rls" });
    // the page's SQL, as it stands, but for this run's role
    const [sql] = blocks(section("## Row-level security with settings"), "sql");
    const ours = sql!.replaceAll("app_user", role.name).replace("'change-me'", `'${role.password}'`);
    expect(ours).toContain("CREATE POLICY tenant_isolation ON organizations");
    await owner.db.query(ours);
    ada = await owner.uw.repositories.create(User).create({ email: "ada@acme.example" });
    acme = await owner.uw.repositories.create(Organization).create({ name: "acme", ownerId: ada.id });
    globex = await owner.uw.repositories.create(Organization).create({ name: "globex", ownerId: ada.id });
    const functions = owner.uw.repositories.create(FunctionEntity);
    for (const [organization, name] of [[acme, "resize"], [acme, "thumbnail"], [globex, "invoice"]] as const) {
      await functions.create({ userId: ada.id, organizationId: organization.id, name });
    }
    const url = new URL(owner.db.url);
    [url.username, url.password] = [role.name, role.password];
    uw = await createUnitwork({ dataSource: new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: url.toString() }), entities: domainEntities }), logger: owner.logger });
  });
  afterAll(async () => {
    await uw?.close();
    await owner?.close();
    await asServerSuperuser(`DROP ROLE IF EXISTS ${role.name}`);
  });

  test("each unit of work names its tenant; a write into another is refused; outside a unit nothing is visible", async () => {
    const acmeFunctions = await uw.unitOfWork.run(
      (ctx) => ctx.repository(FunctionEntity).findMany(),
      { settings: { "app.tenant_id": String(acme.id) } },
    ); // acme's functions only, whatever the query says

    const smuggled = await uw.unitOfWork.run(
      (ctx) => ctx.repository(FunctionEntity).create({ userId: ada.id, organizationId: globex.id, name: "smuggled" }),
      { settings: { "app.tenant_id": String(acme.id) } },
    ).catch((error: unknown) => error);
    // PermissionDeniedError (sqlState "42501", rowLevelSecurity true): new row violates row-level security policy for table "functions"

    const outside = await uw.repositories.create(Organization).count(); // 0: no unit of work, no tenant

    expect(acmeFunctions.map((f) => f.name).sort()).toEqual(["resize", "thumbnail"]);
    expect(smuggled).toBeInstanceOf(PermissionDeniedError);
    expect([(smuggled as PermissionDeniedError).sqlState, (smuggled as PermissionDeniedError).rowLevelSecurity]).toEqual(["42501", true]);
    expect((smuggled as Error).message).toContain('new row violates row-level security policy for table "functions"');
    expect(outside).toBe(0);
  });

  test("the Express route computes the tenant from each request", async () => {
    /** The application's authentication; here, a header. */
    const organizationOf = (req: Request): number => {
      const id = Number(req.headers["x-organization"]);
      if (!Number.isInteger(id)) throw Object.assign(new Error("who are you?"), { status: 401 });
      return id;
    };
    const app = express();

    app.get("/functions", expressHandler(uw, (_req, _res, scope) => scope.unitOfWork!.repository(FunctionEntity).findMany(), {
      settings: (req) => ({ "app.tenant_id": String(organizationOf(req)) }), // organizationOf: your authentication
    }));

    app.use(expressErrorHandler(uw));
    const api = await startTestServer(createServer(app));
    try {
      const acmes = await api.call("GET", "/functions", undefined, { "x-organization": String(acme.id) });
      const globexes = await api.call("GET", "/functions", undefined, { "x-organization": String(globex.id) });
      const nobody = await api.call("GET", "/functions");
      expect(acmes.body.map((f: FunctionEntity) => f.name).sort()).toEqual(["resize", "thumbnail"]);
      expect(globexes.body.map((f: FunctionEntity) => f.name)).toEqual(["invoice"]);
      expect(nobody.status).toBe(401);
    } finally {
      await api.close();
    }
  });
});

// Last: its example points DATABASE_URL at PgBouncer while it runs.
describeWithPgBouncer("PgBouncer (transaction mode)", () => {
  let t: TestUnitwork;
  beforeAll(async () => {
    t = await openTestUnitwork({ label: "docs-pgbouncer" });
  });
  afterAll(() => t.close());

  test("timeouts per unit of work, a deadline cancelling through PgBouncer", async () => {
    const bouncer = await startPgBouncer({ poolSize: 2 });
    try {
      await withDatabaseUrl(bouncer.url(t.db.name), async () => {
        const uw = await createUnitwork({
          dataSource: new DataSource({ ...dataSourceOptionsFromEnv(), entities: domainEntities }), // DATABASE_URL: PgBouncer
          defaults: { settings: { statement_timeout: "5s" } }, // SET LOCAL for every unit of work
        });

        const slow = await uw.unitOfWork.run(async (ctx) => {
          await ctx.manager.query("SELECT pg_sleep(10)");
        }, { timeoutMs: 500 }).catch((error: unknown) => error);
        // UnitOfWorkTimeoutError after ~500 ms: the pg_sleep was cancelled through PgBouncer
        try {
          expect(slow).toBeInstanceOf(UnitOfWorkTimeoutError);
          const [row] = await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT current_setting('statement_timeout') AS timeout"));
          expect(row.timeout).toBe("5s");
          const sleeping = await t.uw.dataSource.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(10)' AND state = 'active'");
          expect(sleeping[0].n).toBe(0);
        } finally {
          await uw.close();
        }
      });
    } finally {
      await bouncer.stop();
    }
  }, 20_000);
});
