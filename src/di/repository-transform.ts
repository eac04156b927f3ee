import type { EntityTarget, ObjectLiteral } from "typeorm";
import { InvalidConfigError } from "../errors";
import type { RepositoryFactory } from "../repository";

/**
 * The DI token `@InjectRepository` reads the repository factory from; `registerUnitwork` registers
 * the instance's factory under it. In a container without that, tsyringe constructs the token
 * itself, and the constructor says what to call (instead of tsyringe's "TypeInfo not known"). @internal
 */
export class RegisteredRepositoryFactory {
  constructor() {
    throw new InvalidConfigError("@InjectRepository: this container has no unitwork; call registerUnitwork(container, uw) on it, or on a parent container, before resolving services");
  }
}

/**
 * tsyringe transform behind `@InjectRepository`: the repository factory → the entity's repository.
 * It has the shape of tsyringe's `Transform`, which tsyringe does not export from its root. @internal
 */
export class RepositoryTransform {
  transform(factory: RepositoryFactory, entity: EntityTarget<ObjectLiteral>): unknown {
    return factory.create(entity);
  }
}
