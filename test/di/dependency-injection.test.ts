import "reflect-metadata";
import { container as rootContainer, injectable } from "tsyringe";
import { DataSource } from "typeorm";
import { FunctionEntity, User } from "../../examples/domain";
import {
  AsyncBaseRepository,
  InjectRepository,
  InvalidConfigError,
  RepositoryFactory,
  Transactional,
  UnitOfWork,
  Unitwork,
  registerUnitwork,
} from "../../src";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

class FunctionRepository extends AsyncBaseRepository<FunctionEntity> {
  countByUser(userId: number): Promise<number> {
    return this.count({ userId });
  }
}

@injectable()
class SignupService {
  constructor(
    @InjectRepository(User) readonly users: AsyncBaseRepository<User>,
    @InjectRepository(FunctionEntity) readonly functions: FunctionRepository,
  ) {}

  @Transactional()
  async signUpWithFunction(email: string, fail = false): Promise<User> {
    const user = await this.users.create({ email });
    await this.functions.create({ userId: user.id, name: "hello" });
    if (fail) throw new Error("signup failed");
    return user;
  }

  async plainCreate(email: string): Promise<User> {
    return this.users.create({ email });
  }
}

let t: TestUnitwork;
const container = rootContainer.createChildContainer();
beforeAll(async () => {
  t = await openTestUnitwork();
  t.uw.repositories.register(FunctionEntity, FunctionRepository);
  registerUnitwork(container, t.uw);
});
afterAll(() => t.close());
beforeEach(() => t.uw.dataSource.query("TRUNCATE users, functions RESTART IDENTITY CASCADE"));

test("registerUnitwork registers the instance, its parts and the DataSource", () => {
  expect(container.resolve(Unitwork)).toBe(t.uw);
  expect(container.resolve(UnitOfWork)).toBe(t.uw.unitOfWork);
  expect(container.resolve(RepositoryFactory)).toBe(t.uw.repositories);
  expect(container.resolve(DataSource)).toBe(t.uw.dataSource);
  expect(container.resolve(t.uw.analyzer.constructor as never)).toBe(t.uw.analyzer);
});

test("@InjectRepository injects the entity's repository, and the registered custom class", () => {
  const service = container.resolve(SignupService);
  expect(service.users).toBeInstanceOf(AsyncBaseRepository);
  expect(service.users.metadata.tableName).toBe("users");
  expect(service.functions).toBeInstanceOf(FunctionRepository);
});

test("@Transactional commits every repository's writes together, and rolls them all back on failure", async () => {
  const service = container.resolve(SignupService);
  const user = await service.signUpWithFunction("ok@acme.co");
  expect(await service.functions.countByUser(user.id)).toBe(1);
  await expect(service.signUpWithFunction("bad@acme.co", true)).rejects.toThrow("signup failed");
  expect(await service.users.count()).toBe(1);
  expect(await service.functions.count()).toBe(1);
});

test("an injected service works outside a unit of work (auto-commit) and joins one when called inside", async () => {
  const service = container.resolve(SignupService);
  await service.plainCreate("auto@acme.co");
  expect(await service.users.exists({ email: "auto@acme.co" })).toBe(true);
  await expect(t.uw.unitOfWork.run(async () => {
    await service.plainCreate("inside@acme.co");
    await service.signUpWithFunction("joined@acme.co"); // required: joins the outer unit
    throw new Error("outer failed");
  })).rejects.toThrow("outer failed");
  expect(await service.users.count()).toBe(1);
});

describe("RepositoryFactory", () => {
  test("create caches one repository per entity; custom classes resolve by entity and by class", () => {
    const factory = t.uw.repositories;
    expect(factory.create(User)).toBe(factory.create(User));
    const byClass = factory.create(FunctionRepository);
    expect(byClass).toBeInstanceOf(FunctionRepository);
    expect(factory.create(FunctionEntity)).toBeInstanceOf(FunctionRepository);
  });

  test("ctx.repository(CustomClass) is bound to the unit of work", async () => {
    await t.uw.unitOfWork.run(async (ctx) => {
      const fns = ctx.repository(FunctionRepository);
      expect(fns).toBeInstanceOf(FunctionRepository);
      expect(fns.context).toBe(ctx);
      expect(ctx.repository(FunctionRepository)).toBe(fns);
    });
  });

  test("register refuses classes that are no repository and entities of another DataSource", () => {
    class NotARepository {}
    class NotAnEntity {}
    expect(() => t.uw.repositories.register(User, NotARepository as never)).toThrow(InvalidConfigError);
    expect(() => t.uw.repositories.register(NotAnEntity, FunctionRepository as never)).toThrow(/not an entity/);
    expect(() => t.uw.repositories.create(NotAnEntity)).toThrow(/not an entity/);
    class Unregistered extends AsyncBaseRepository<User> {}
    expect(() => t.uw.repositories.create(Unregistered)).toThrow(/not registered/);
  });
});

test("resolving an @InjectRepository service in a container without registerUnitwork says what to call", () => {
  const bare = rootContainer.createChildContainer();
  expect(() => bare.resolve(SignupService)).toThrow(/@InjectRepository: this container has no unitwork; call registerUnitwork\(container, uw\)/);
  // a child of a registered container inherits the registration
  expect(container.createChildContainer().resolve(SignupService).users).toBeInstanceOf(AsyncBaseRepository);
});
