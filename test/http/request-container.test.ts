import { container as rootContainer, injectable, Lifecycle, scoped } from "tsyringe";
import { User } from "../../examples/domain";
import { AsyncBaseRepository, InjectRepository, registerUnitwork, RequestContext, withUnitOfWork } from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

/** One instance per request container; disposed when the request ends. */
@scoped(Lifecycle.ContainerScoped)
class RequestLedger {
  static disposed: RequestLedger[] = [];
  readonly entries: string[] = [];
  dispose(): void {
    RequestLedger.disposed.push(this);
  }
}

@injectable()
class SignupService {
  constructor(
    @InjectRepository(User) private readonly users: AsyncBaseRepository<User>,
    private readonly ledger: RequestLedger,
    private readonly request: RequestContext,
  ) {}

  async signup(email: string) {
    this.ledger.entries.push(`signup ${email}`);
    const user = await this.users.create({ email });
    return { user, requestId: this.request.id, unitOfWorkId: this.request.unitOfWork?.id };
  }
}

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t?.close());

test("services resolve from a per-request child container: container-scoped per request, disposed after it", async () => {
  const handle = withUnitOfWork(t.uw, async (email: string, scope) => {
    const result = await scope.resolve(SignupService).signup(email);
    const ledger = scope.resolve(RequestLedger);
    return { ...result, ledger, scopeUnit: scope.unitOfWork?.id, entries: [...ledger.entries] };
  });
  const [a, b] = await Promise.all([handle("one@example.com", { requestId: "r-1" }), handle("two@example.com", { requestId: "r-2" })]);
  expect(a.result.requestId).toBe("r-1");
  expect(b.result.requestId).toBe("r-2");
  expect(a.result.entries).toEqual(["signup one@example.com"]);
  expect(b.result.entries).toEqual(["signup two@example.com"]);
  expect(a.result.ledger).not.toBe(b.result.ledger);
  expect(a.result.unitOfWorkId).toBe(a.result.scopeUnit);
  expect(a.result.unitOfWorkId).not.toBe(b.result.unitOfWorkId);
  expect(RequestLedger.disposed).toEqual(expect.arrayContaining([a.result.ledger, b.result.ledger]));
  expect(await t.uw.repositories.create(User).count({ email: { in: ["one@example.com", "two@example.com"] } })).toBe(2);
});

test("a failing handler: the same error object comes out, its writes are rolled back, its container is disposed", async () => {
  const failure = new Error("payment declined");
  let ledger: RequestLedger | undefined;
  const handle = withUnitOfWork(t.uw, async (_: void, scope) => {
    await scope.resolve(SignupService).signup("declined@example.com");
    ledger = scope.resolve(RequestLedger);
    throw failure;
  });
  await expect(handle(undefined)).rejects.toBe(failure);
  expect(RequestLedger.disposed).toContain(ledger);
  expect(await t.uw.repositories.create(User).count({ email: "declined@example.com" })).toBe(0);
});

test("an application container can be passed as the parent; its registrations reach the request", async () => {
  const app = registerUnitwork(rootContainer.createChildContainer(), t.uw);
  app.register("greeting", { useValue: "hello from the app container" });
  const handle = withUnitOfWork(t.uw, (_: void, scope) => scope.container.resolve<string>("greeting"), { container: app });
  expect((await handle(undefined)).result).toBe("hello from the app container");
});

test("a generated request id is a uuid; a client id with unsafe characters is replaced", async () => {
  const handle = withUnitOfWork(t.uw, (_: void, scope) => scope.requestId, { transactional: false });
  expect((await handle(undefined)).result).toMatch(/^[0-9a-f-]{36}$/);
  expect((await handle(undefined, { requestId: "bad id\n" })).result).toMatch(/^[0-9a-f-]{36}$/);
  expect((await handle(undefined, { requestId: ["abc-123"] })).result).toBe("abc-123");
});

test("a misspelt withUnitOfWork option is refused when the route is set up", () => {
  expect(() => withUnitOfWork(t.uw, async () => "ok", { isolaton: "SERIALIZABLE" } as never)).toThrow(/unknown withUnitOfWork option "isolaton"; did you mean "isolation"\?/);
  expect(() => withUnitOfWork(t.uw, async () => "ok", { transactional: false, serverTiming: false, name: "fine" })).not.toThrow();
});
