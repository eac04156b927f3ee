import { IllegalTransactionStateError } from "../errors";
import type { UnitOfWork } from "./unit-of-work";
import type { UnitOfWorkOptions } from "./unit-of-work-options";

let locate: (() => UnitOfWork | undefined) | undefined;

/**
 * Where `@Transactional` finds its unit of work: `createUnitwork` points it at its own, and
 * `registerUnitwork` at the one in the DI container. @internal
 */
export function setTransactionalLocator(locator: () => UnitOfWork | undefined): void {
  locate = locator;
}

/**
 * Method decorator: the method runs as `unitOfWork.run(() => method(...args), options)`.
 *
 * @example
 * class DeployService {
 *   @Transactional({ isolation: "SERIALIZABLE", retry: { attempts: 3 } })
 *   async deploy(functionId: number) { ... } // every repository call inside shares one transaction
 * }
 */
export function Transactional(options?: UnitOfWorkOptions): MethodDecorator {
  return (_target, propertyKey, descriptor: PropertyDescriptor) => {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    if (typeof method !== "function") throw new TypeError(`@Transactional can only decorate methods (${String(propertyKey)})`);
    descriptor.value = function transactional(this: unknown, ...args: unknown[]) {
      const unitOfWork = locate?.();
      if (!unitOfWork) {
        return Promise.reject(new IllegalTransactionStateError(`@Transactional ${String(propertyKey)}(): no unit of work; call createUnitwork() or registerUnitwork() first`));
      }
      return unitOfWork.run(() => method.apply(this, args), { name: String(propertyKey), ...options });
    };
    Object.defineProperty(descriptor.value, "name", { value: method.name });
    return descriptor;
  };
}
