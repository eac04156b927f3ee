import type { DependencyContainer } from "tsyringe";
import { DataSource } from "typeorm";
import { Unitwork } from "../bootstrap";
import { RepositoryFactory } from "../repository";
import { setTransactionalLocator, UnitOfWork } from "../unit-of-work";
import { RepositoryTransform } from "./tokens";

/**
 * Registers a unitwork instance in a tsyringe container: `Unitwork`, `UnitOfWork`, `RepositoryFactory`,
 * `QueryAnalyzer` (when present) and `DataSource` resolve to it, `@InjectRepository(Entity)` works, and
 * `@Transactional` uses this container's unit of work.
 *
 * @example
 * registerUnitwork(container, uw);
 * const service = container.resolve(UserService);
 */
export function registerUnitwork(container: DependencyContainer, uw: Unitwork): DependencyContainer {
  container.registerInstance(Unitwork, uw);
  container.registerInstance(UnitOfWork, uw.unitOfWork);
  container.registerInstance(RepositoryFactory, uw.repositories);
  container.registerInstance(DataSource, uw.dataSource);
  container.registerSingleton(RepositoryTransform);
  const analyzer = (uw as unknown as { analyzer?: object }).analyzer;
  if (analyzer) container.registerInstance(analyzer.constructor as new () => object, analyzer);
  setTransactionalLocator(() => container.resolve(UnitOfWork));
  return container;
}
