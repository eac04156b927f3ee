import "reflect-metadata";
import { AsyncBaseRepository, IllegalTransactionStateError, Transactional, type Unitwork } from "../../src";
import { expectQueryCount } from "../../src/testing";
import { User } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

// Two unitwork instances in one process (two databases): nothing of one reaches the other.
let a: TestUnitwork;
let b: TestUnitwork;
beforeAll(async () => {
  a = await openTestUnitwork({ label: "two_a", analyzer: { mode: "log" } });
  b = await openTestUnitwork({ label: "two_b", analyzer: { mode: "log" } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});
beforeEach(async () => {
  await a.uw.dataSource.query("TRUNCATE users RESTART IDENTITY CASCADE");
  await b.uw.dataSource.query("TRUNCATE users RESTART IDENTITY CASCADE");
});

const emailsOf = async (uw: Unitwork) => (await uw.repositories.create(User).findMany({ orderBy: "email" })).map((u) => u.email);

test("a unit of work of one instance is invisible to the other's unit of work and repositories", async () => {
  await a.uw.unitOfWork.run(async (ctx) => {
    expect(a.uw.unitOfWork.current).toBe(ctx);
    expect(b.uw.unitOfWork.current).toBeUndefined();
    await ctx.repository(User).create({ email: "in-a@acme.co" });
    // b's repository, called inside a's unit of work, auto-commits on b's own database
    await b.uw.repositories.create(User).create({ email: "in-b@acme.co" });
    await b.uw.unitOfWork.run(async (inner) => {
      expect(inner.depth).toBe(0); // not joined to a's unit of work
      expect(a.uw.unitOfWork.current).toBe(ctx);
      await inner.repository(User).create({ email: "in-b-uow@acme.co" });
      throw new Error("roll back b only");
    }).catch(() => undefined);
    expect(await emailsOf(b.uw)).toEqual(["in-b@acme.co"]);
  });
  expect(await emailsOf(a.uw)).toEqual(["in-a@acme.co"]);
  expect(await emailsOf(b.uw)).toEqual(["in-b@acme.co"]);
});

test("one instance committing and rolling back leaves the other's unit of work intact", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const running = a.uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(User).create({ email: "slow@acme.co" });
    await held;
    await ctx.repository(User).create({ email: "slow-2@acme.co" });
  });
  await b.uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(User).create({ email: "quick@acme.co" });
  });
  await expect(b.uw.unitOfWork.run(async () => {
    throw new Error("b fails");
  })).rejects.toThrow("b fails");
  release();
  await running;
  expect(await emailsOf(a.uw)).toEqual(["slow-2@acme.co", "slow@acme.co"]);
  expect(await emailsOf(b.uw)).toEqual(["quick@acme.co"]);
});

test("closing another instance leaves this one working", async () => {
  const c = await openTestUnitwork({ label: "two_c" });
  await c.uw.unitOfWork.run((ctx) => ctx.repository(User).create({ email: "c@acme.co" }));
  const running = a.uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(User).create({ email: "before-close@acme.co" });
    await c.close();
    await ctx.repository(User).create({ email: "after-close@acme.co" });
  });
  await running;
  expect(await emailsOf(a.uw)).toEqual(["after-close@acme.co", "before-close@acme.co"]);
});

test("each analyzer sees only its own instance's statements", async () => {
  const seenByB: string[] = [];
  const stop = b.uw.analyzer.onReport((report) => seenByB.push(...report.queries.map((q) => q.sql)));
  try {
    const { report } = await a.uw.analyzer.scope("a only", async () => {
      await a.uw.repositories.create(User).findMany({ where: { email: "nobody@acme.co" } });
      await b.uw.repositories.create(User).count();
    });
    expect(report.queryCount).toBe(1);
    expect(report.queries[0]!.sql).toMatch(/FROM "users"/);
    expect(seenByB).toEqual([]);
    await expectQueryCount(() => b.uw.repositories.create(User).count(), { exact: 1, analyzer: b.uw });
  } finally {
    stop();
  }
});

test("@Transactional uses the unit of work of the instance the service holds, never another's", async () => {
  class SignupService {
    constructor(private readonly users: AsyncBaseRepository<User>) {}

    @Transactional()
    async signUpTwo(prefix: string, fail: boolean): Promise<void> {
      await this.users.create({ email: `${prefix}-1@acme.co` });
      await this.users.create({ email: `${prefix}-2@acme.co` });
      if (fail) throw new Error("signup failed");
    }
  }
  const onA = new SignupService(a.uw.repositories.create(User));
  const onB = new SignupService(b.uw.repositories.create(User));
  await onA.signUpTwo("a", false);
  await expect(onB.signUpTwo("b", true)).rejects.toThrow("signup failed");
  await onB.signUpTwo("b", false);
  expect(await emailsOf(a.uw)).toEqual(["a-1@acme.co", "a-2@acme.co"]);
  expect(await emailsOf(b.uw)).toEqual(["b-1@acme.co", "b-2@acme.co"]);
  // a's unit of work is the active one inside the method: the calls share its transaction
  class Probe {
    constructor(readonly uw: Unitwork) {}
    @Transactional({ name: "probe" })
    async probe() {
      return { a: a.uw.unitOfWork.current?.name, b: b.uw.unitOfWork.current?.name };
    }
  }
  expect(await new Probe(a.uw).probe()).toEqual({ a: "probe", b: undefined });
  expect(await new Probe(b.uw).probe()).toEqual({ a: undefined, b: "probe" });
});

test("@Transactional refuses an instance that holds no unit of work, or parts of two", async () => {
  class Lonely {
    @Transactional()
    async work() {
      return "ran";
    }
  }
  class Torn {
    constructor(readonly left = a.uw.repositories.create(User), readonly right = b.uw.unitOfWork) {}
    @Transactional()
    async work() {
      return "ran";
    }
  }
  const lonely = await new Lonely().work().catch((error: unknown) => error);
  expect(lonely).toBeInstanceOf(IllegalTransactionStateError);
  expect((lonely as Error).message).toMatch(/Lonely\.work\(\): the instance holds no unit of work/);
  const torn = await new Torn().work().catch((error: unknown) => error);
  expect(torn).toBeInstanceOf(IllegalTransactionStateError);
  expect((torn as Error).message).toMatch(/parts of 2 unitwork instances/);
});
