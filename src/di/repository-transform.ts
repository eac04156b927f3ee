import type { EntityTarget, ObjectLiteral } from "typeorm";
import { RepositoryFactory } from "../factory";

/**
 * tsyringe transform behind `@InjectRepository`: RepositoryFactory → the entity's repository. It has
 * the shape of tsyringe's `Transform`, which tsyringe does not export from its package root. @internal
 */
export class RepositoryTransform {
  transform(factory: RepositoryFactory, entity: EntityTarget<ObjectLiteral>): unknown {
    return factory.create(entity);
  }
}
