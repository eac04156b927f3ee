import { IllegalTransactionStateError } from "../errors";
import { UnitOfWork } from "./unit-of-work";
import type { UnitOfWorkOptions } from "./unit-of-work-options";

/**
 * The key under which unitwork's own objects (repositories, the factory, `Unitwork`) name the unit of
 * work they belong to, so that `@Transactional` can find it on the instance it decorates. @internal
 */
export const OWN_UNIT_OF_WORK: unique symbol = Symbol("unitwork.unitOfWork");

/** The unit of work a value belongs to: a `UnitOfWork` itself, or a unitwork object that names one. @internal */
export function unitOfWorkOf(value: unknown): UnitOfWork | undefined {
  if (value instanceof UnitOfWork) return value;
  if (typeof value === "object" && value !== null && OWN_UNIT_OF_WORK in value) {
    const own = (value as { [OWN_UNIT_OF_WORK]: unknown })[OWN_UNIT_OF_WORK];
    return own instanceof UnitOfWork ? own : undefined;
  }
  return undefined;
}

/**
 * Method decorator: the method runs as `unitOfWork.run(() => method(...args), options)`, named after
 * the method unless `options.name` is given. The unit of work is the one of the instance's own
 * properties: a repository, `RepositoryFactory`, `UnitOfWork` or `Unitwork` held by the service (an
 * injected one is fine). There is no process-wide default, so two unitwork instances in one process
 * never take each other's: an instance holding parts of two of them is refused, and so is one that
 * holds none (`IllegalTransactionStateError`).
 *
 * @example
 * class DeployService {
 *   constructor(private readonly functions = uw.repositories.create(FunctionEntity)) {}
 *
 *   @Transactional({ isolation: "SERIALIZABLE", retry: { attempts: 3 } })
 *   async deploy(functionId: number) {
 *     await this.functions.update(functionId, { status: "building" }); // every call inside shares one transaction
 *   }
 * }
 */
export function Transactional(options?: UnitOfWorkOptions): MethodDecorator {
  return (_target, propertyKey, descriptor: PropertyDescriptor) => {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    if (typeof method !== "function") throw new TypeError(`@Transactional can only decorate methods (${String(propertyKey)})`);
    const name = String(propertyKey);
    const found = new WeakMap<object, UnitOfWork>();
    descriptor.value = function transactional(this: object, ...args: unknown[]) {
      let unitOfWork = found.get(this);
      if (!unitOfWork) {
        try {
          unitOfWork = locate(this, name);
        } catch (error) {
          return Promise.reject(error);
        }
        found.set(this, unitOfWork);
      }
      return unitOfWork.run(() => method.apply(this, args), { name, ...options });
    };
    Object.defineProperty(descriptor.value, "name", { value: method.name });
    return descriptor;
  };
}

function locate(instance: object, method: string): UnitOfWork {
  const owner = `${instance?.constructor?.name ?? "object"}.${method}()`;
  const candidates = new Set<UnitOfWork>();
  for (const value of Object.values(instance ?? {})) {
    const unitOfWork = unitOfWorkOf(value);
    if (unitOfWork) candidates.add(unitOfWork);
  }
  if (candidates.size === 1) return candidates.values().next().value!;
  if (candidates.size === 0) {
    throw new IllegalTransactionStateError(
      `@Transactional ${owner}: the instance holds no unit of work; give it a property holding a repository, RepositoryFactory, UnitOfWork or Unitwork (injected or from uw.repositories)`,
    );
  }
  throw new IllegalTransactionStateError(`@Transactional ${owner}: the instance holds parts of ${candidates.size} unitwork instances; keep one per service`);
}
