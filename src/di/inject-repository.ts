import { injectWithTransform } from "tsyringe";
import type { EntityTarget, ObjectLiteral } from "typeorm";
import { RepositoryFactory } from "../repository";
import { RepositoryTransform } from "./tokens";

/**
 * Constructor-parameter decorator: injects the entity's repository (its registered custom class, if any).
 * The repository follows the caller's unit of work, so a singleton service works inside and outside one.
 *
 * @example
 * @injectable()
 * class UserService {
 *   constructor(@InjectRepository(User) private readonly users: AsyncBaseRepository<User>) {}
 * }
 */
export function InjectRepository(entity: EntityTarget<ObjectLiteral>): ParameterDecorator {
  return injectWithTransform(RepositoryFactory, RepositoryTransform, entity) as ParameterDecorator;
}
