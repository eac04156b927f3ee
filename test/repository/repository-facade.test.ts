import "reflect-metadata";
import { User } from "../../examples/domain";
import { AsyncBaseRepository, IllegalTransactionStateError, NoActiveUnitOfWorkError, UniqueViolationError } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/** A custom repository using what subclasses get: the manager and the execute path. */
class UserRepository extends AsyncBaseRepository<User> {
  async emailsRaw(): Promise<string[]> {
    const manager = this.manager();
    const rows = await this.execute(() => manager.query("SELECT email FROM users WHERE deleted_at IS NULL ORDER BY id"));
    return (rows as { email: string }[]).map((r) => r.email);
  }

  async insertRaw(email: string): Promise<void> {
    const manager = this.manager(true);
    await this.execute(() => manager.query("INSERT INTO users (email) VALUES ($1)", [email]));
  }
}

let t: TestUnitwork;
beforeAll(async () => {
  t = await openTestUnitwork({ strict: true });
  t.uw.repositories.register(User, UserRepository);
});
afterAll(() => t.close());

describe("AsyncBaseRepository keeps its internals private", () => {
  test("the public instance exposes the API, not the runtime, the bound frame, the bulk engine or the manager", () => {
    const users = t.uw.repositories.create(User) as unknown as Record<string, unknown>;
    for (const internal of ["runtime", "boundTo", "bulk", "frame", "core"]) expect(users[internal]).toBeUndefined();
    expect(Object.keys(users)).toEqual([]);
    expect(t.uw.repositories.create(User).metadata.name).toBe("User");
    expect(t.uw.repositories.create(User).target).toBe(User);
    const typed = t.uw.repositories.create(User);
    // @ts-expect-error manager() is for subclasses only
    expect(typeof typed.manager).toBe("function");
    // @ts-expect-error execute() is for subclasses only
    expect(typeof typed.execute).toBe("function");
    // @ts-expect-error the runtime is the core's
    expect(typed.runtime).toBeUndefined();
  });

  test("a repository cannot be built with new", () => {
    expect(() => new AsyncBaseRepository<User>({} as never)).toThrow(IllegalTransactionStateError);
  });

  test("a subclass runs its own statements through manager() and execute(), inside the unit of work", async () => {
    const users = t.uw.repositories.create(UserRepository);
    await t.uw.unitOfWork.run(async (ctx) => {
      await users.insertRaw("raw@acme.co");
      expect(await ctx.repository(UserRepository).emailsRaw()).toContain("raw@acme.co");
    });
    expect(await users.emailsRaw()).toContain("raw@acme.co");
  });

  test("execute() types a database error; manager(true) refuses writes outside a unit of work in strict mode", async () => {
    const users = t.uw.repositories.create(UserRepository);
    await expect(t.uw.unitOfWork.run(() => users.insertRaw("raw@acme.co"))).rejects.toBeInstanceOf(UniqueViolationError);
    await expect(users.insertRaw("other@acme.co")).rejects.toBeInstanceOf(NoActiveUnitOfWorkError);
  });
});
