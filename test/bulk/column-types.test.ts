import { Column, DataSource, Entity, PrimaryGeneratedColumn } from "typeorm";
import {
  DeploymentStatus,
  FunctionDeployment,
  FunctionEntity,
  FunctionInvocation,
  FunctionLog,
  FunctionStatus,
  InvocationStatus,
  LogLevel,
  OrganizationMember,
  OrganizationRole,
  Organization,
  User,
  UserInformation,
  UserRole,
} from "../../examples/domain";
import { createUnitwork, dataSourceOptionsFromEnv } from "../../src";
import { memoryLogger, openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";
import { seedFunctions } from "./fixtures";

let t: TestUnitwork;
let userId: number;
let functionId: number;
beforeAll(async () => {
  t = await openTestUnitwork();
  const seeded = await seedFunctions(t, 1);
  userId = seeded.userId;
  functionId = seeded.functionIds[0]!;
});
afterAll(() => t.close());

/** Text that COPY and array literals must escape: tabs, newlines, backslashes, quotes, braces, commas, "NULL". */
const NASTY = `tab\there, new\nline\r\n back\\slash "quoted" {braces} 'single' NULL \\N ünïcødé 🚀`;

describe.each(["copy", "unnest"] as const)("every column type of the domain round-trips (%s)", (strategy) => {
  test("users: uuid, varchar, enum, boolean, timestamps, version; defaults where a row leaves a column out", async () => {
    const users = t.uw.repositories.create(User);
    const rows = [
      { email: `${strategy}-a@example.com`, passwordHash: NASTY, role: UserRole.Admin, isActive: false, uuid: strategy === "copy" ? "6f1c1b2e-1234-4abc-8def-0123456789ab" : "6f1c1b2e-1234-4abc-8def-0123456789ac" },
      { email: `${strategy}-b@example.com`, passwordHash: null },
      { email: `${strategy}-c@example.com`, role: UserRole.User, isActive: true },
    ];
    const { ids } = await users.bulkInsert(rows, { strategy, keepGenerated: true });
    const [a, b, c] = await Promise.all(ids!.map((id) => users.getByIdOrFail(id)));
    expect(a).toMatchObject({ email: rows[0]!.email, passwordHash: NASTY, role: UserRole.Admin, isActive: false, uuid: rows[0]!.uuid, version: 1, deletedAt: null });
    expect(b).toMatchObject({ passwordHash: null, role: UserRole.User, isActive: true, version: 1 });
    expect(c).toMatchObject({ role: UserRole.User, isActive: true });
    expect(b!.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set([a!.uuid, b!.uuid, c!.uuid]).size).toBe(3);
    for (const user of [a!, b!, c!]) {
      expect(user.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(user.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    }
  });

  test("functions, deployments, logs, invocations: jsonb, enums, timestamptz, nullable ints, bigint keys", async () => {
    const fns = t.uw.repositories.create(FunctionEntity);
    const analysis = { nested: { list: [1, "two", null, { deep: true }] }, text: NASTY, n: 1.5 };
    const { ids: fnIds } = await fns.bulkInsert(
      [
        { userId, name: `${strategy}-fn-a`, status: FunctionStatus.Active, analysisResult: analysis, organizationId: null },
        { userId, name: `${strategy}-fn-b`, runtime: "node" },
      ],
      { strategy },
    );
    const [fa, fb] = await Promise.all(fnIds!.map((id) => fns.getByIdOrFail(id)));
    expect(fa).toMatchObject({ status: FunctionStatus.Active, analysisResult: analysis, organizationId: null, runtime: "dart", version: 1 });
    expect(fb).toMatchObject({ status: FunctionStatus.Inactive, analysisResult: null, runtime: "node" });

    const deployedAt = new Date("2025-03-04T05:06:07.891Z");
    const deployments = t.uw.repositories.create(FunctionDeployment);
    const { ids: depIds } = await deployments.bulkInsert(
      [
        { functionId: fnIds![0] as number, version: 1, imageTag: "img:1", s3Key: NASTY, status: DeploymentStatus.Deployed, isActive: true, deployedAt },
        { function: { id: fnIds![0] as number }, version: 2, imageTag: "img:2" },
      ],
      { strategy },
    );
    const [d1, d2] = await Promise.all(depIds!.map((id) => deployments.getByIdOrFail(id)));
    expect(d1).toMatchObject({ functionId: fnIds![0], s3Key: NASTY, status: DeploymentStatus.Deployed, isActive: true, deployedAt });
    expect(d2).toMatchObject({ functionId: fnIds![0], s3Key: null, status: DeploymentStatus.Pending, isActive: false, deployedAt: null });

    const logs = t.uw.repositories.create(FunctionLog);
    const { ids: logIds } = await logs.bulkInsert(
      [
        { functionId, level: LogLevel.Error, message: NASTY, metadata: { quote: '"', backslash: "\\", arr: [NASTY] } },
        { functionId, level: LogLevel.Debug, message: "", metadata: null },
      ],
      { strategy },
    );
    expect(logIds!.every((id) => typeof id === "string" && /^\d+$/.test(id))).toBe(true);
    const [l1, l2] = await Promise.all(logIds!.map((id) => logs.getByIdOrFail(id)));
    expect(l1).toMatchObject({ id: logIds![0], level: LogLevel.Error, message: NASTY, metadata: { quote: '"', backslash: "\\", arr: [NASTY] } });
    expect(l2).toMatchObject({ message: "", metadata: null });

    const invokedAt = new Date("2024-12-31T23:59:59.999Z");
    const invocations = t.uw.repositories.create(FunctionInvocation);
    const { ids: invIds } = await invocations.bulkInsert(
      [
        { functionId, status: InvocationStatus.Success, durationMs: 12, coldStart: true, requestSize: 0, responseSize: null, error: null, invokedAt },
        // invokedAt left out: its default is now(), which COPY cannot compute; the chunk goes through unnest.
        { functionId, status: InvocationStatus.Error, durationMs: 0, error: NASTY },
      ],
      { strategy },
    );
    const [i1, i2] = await Promise.all(invIds!.map((id) => invocations.getByIdOrFail(id)));
    expect(i1).toMatchObject({ coldStart: true, requestSize: 0, responseSize: null, error: null, invokedAt });
    expect(i2).toMatchObject({ coldStart: false, requestSize: null, error: NASTY });
    expect(Math.abs(i2!.invokedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  test("organizations, members, user information", async () => {
    const orgs = t.uw.repositories.create(Organization);
    const { ids: orgIds } = await orgs.bulkInsert([{ name: `${strategy} Org`, ownerId: userId }], { strategy });
    const members = t.uw.repositories.create(OrganizationMember);
    const { ids: memberIds } = await members.bulkInsert([{ organizationId: orgIds![0] as number, userId, role: OrganizationRole.Owner }], { strategy });
    expect(await members.getByIdOrFail(memberIds![0]!)).toMatchObject({ organizationId: orgIds![0], userId, role: OrganizationRole.Owner });
    const extra = await t.uw.repositories.create(User).bulkInsert([{ email: `${strategy}-info@example.com` }], { strategy });
    const infos = t.uw.repositories.create(UserInformation);
    const { ids: infoIds } = await infos.bulkInsert([{ userId: extra.ids![0] as number, firstName: "Ada", lastName: NASTY, country: null }], { strategy });
    expect(await infos.getByIdOrFail(infoIds![0]!)).toMatchObject({ firstName: "Ada", lastName: NASTY, country: null, phoneNumber: null });
  });
});

@Entity({ name: "bulk_transformed" })
class Transformed {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "varchar", transformer: { to: (v: string | undefined) => v?.toUpperCase(), from: (v: string) => v.toLowerCase() } })
  code!: string;

  @Column({ type: "simple-array" })
  tags!: string[];

  @Column({ type: "int", array: true, nullable: true })
  scores!: number[] | null;

  @Column({ type: "timestamp", nullable: true })
  localTime!: Date | null;

  @Column({ type: "numeric", precision: 10, scale: 2, nullable: true })
  amount!: string | null;
}

test("transformers, simple-array, arrays, timestamp without time zone, numeric and uuid keys", async () => {
  const dataSource = new DataSource({ ...dataSourceOptionsFromEnv({ DATABASE_URL: t.db.url }), entities: [Transformed], synchronize: true } as never);
  const uw = await createUnitwork({ dataSource, logger: memoryLogger() });
  try {
    const repo = uw.repositories.create(Transformed);
    const localTime = new Date(2025, 0, 2, 3, 4, 5, 678);
    for (const strategy of ["copy", "unnest"] as const) {
      const rows = [
        { code: "abc", tags: ["x", "y,z"], scores: [1, 2, 3], localTime, amount: "12.34" },
        { code: "def", tags: [], scores: null, localTime: null, amount: null },
      ];
      const { ids } = await repo.bulkInsert(rows, { strategy });
      expect(ids!.every((id) => typeof id === "string" && /^[0-9a-f-]{36}$/.test(id))).toBe(true);
      const raw = await dataSource.query(`SELECT code FROM bulk_transformed WHERE id = $1`, [ids![0]]);
      expect(raw).toEqual([{ code: "ABC" }]);
      const [a, b] = await Promise.all(ids!.map((id) => repo.getByIdOrFail(id)));
      expect(a).toMatchObject({ code: "abc", tags: ["x", "y,z"].join(",").split(","), scores: [1, 2, 3], localTime, amount: "12.34" });
      expect(b).toMatchObject({ code: "def", scores: null, localTime: null, amount: null });
    }
  } finally {
    await uw.close();
  }
});
