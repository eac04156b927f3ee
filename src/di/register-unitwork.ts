import type { DependencyContainer } from "tsyringe";
import { DataSource } from "typeorm";
import { Unitwork } from "../bootstrap";
import { RepositoryFactory } from "../repository";
import { UnitOfWork } from "../unit-of-work";
import { RegisteredRepositoryFactory, RepositoryTransform } from "./repository-transform";

/**
 * Registers a unitwork instance in a tsyringe container: `Unitwork`, `UnitOfWork`, `RepositoryFactory`,
 * `QueryAnalyzer` (when present) and `DataSource` resolve to it, and `@InjectRepository(Entity)` works.
 *
 * @example
 * registerUnitwork(container, uw);
 * const service = container.resolve(UserService);
 */
export function registerUnitwork(container: DependencyContainer, uw: Unitwork): DependencyContainer {
  container.registerInstance(Unitwork, uw);
  container.registerInstance(UnitOfWork, uw.unitOfWork);
  container.registerInstance(RepositoryFactory, uw.repositories);
  container.registerInstance(RegisteredRepositoryFactory, uw.repositories);
  container.registerInstance(DataSource, uw.dataSource);
  container.registerSingleton(RepositoryTransform);
  const analyzer = (uw as unknown as { analyzer?: object }).analyzer;
  if (analyzer) container.registerInstance(analyzer.constructor as new () => object, analyzer);
  return container;
}
