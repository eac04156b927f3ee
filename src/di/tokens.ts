import type { Transform } from "tsyringe/dist/typings/types";
import type { EntityTarget, ObjectLiteral } from "typeorm";
import { RepositoryFactory } from "../repository";

/** tsyringe transform: RepositoryFactory → the entity's repository. @internal */
export class RepositoryTransform implements Transform<RepositoryFactory, unknown> {
  transform(factory: RepositoryFactory, entity: EntityTarget<ObjectLiteral>): unknown {
    return factory.create(entity);
  }
}
