import { container as globalContainer, type DependencyContainer } from "tsyringe";
import type { Unitwork } from "../bootstrap";
import type { UnitOfWorkContext } from "../unit-of-work";
import { registerUnitwork } from "./register-unitwork";
import { RequestContext } from "./request-context";

export type { DependencyContainer, InjectionToken } from "tsyringe";

const applicationContainers = new WeakMap<Unitwork, DependencyContainer>();

/**
 * The application-level container of a unitwork: `parent` when given (it must have `registerUnitwork`
 * applied), else a child of tsyringe's global container with `registerUnitwork(…, uw)` done once per
 * unitwork instance. `withUnitOfWork` and the adapters use it when no `container` option is given.
 *
 * @example
 * const app = applicationContainer(uw); // the same container on every call for this uw
 * const child = createRequestContainer(app, "req-42", () => uw.unitOfWork.current);
 * const service = child.resolve(UserService);
 */
export function applicationContainer(uw: Unitwork, parent?: DependencyContainer): DependencyContainer {
  if (parent) return parent;
  let found = applicationContainers.get(uw);
  if (!found) {
    found = registerUnitwork(globalContainer.createChildContainer(), uw);
    applicationContainers.set(uw, found);
  }
  return found;
}

/**
 * A child container for one request: everything registered in `parent` resolves as before, services
 * registered with `Lifecycle.ContainerScoped` get one instance per request, and `RequestContext`
 * resolves to this request's context. Dispose it (`await child.dispose()`) when the request ends.
 *
 * @example
 * const child = createRequestContainer(appContainer, "req-42", () => uw.unitOfWork.current);
 * const service = child.resolve(FunctionService);
 */
export function createRequestContainer(
  parent: DependencyContainer,
  requestId: string,
  unitOfWork: () => UnitOfWorkContext | undefined,
): DependencyContainer {
  const child = parent.createChildContainer();
  child.registerInstance(RequestContext, new RequestContext(requestId, unitOfWork));
  return child;
}
