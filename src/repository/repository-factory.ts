import type { EntityTarget, ObjectLiteral } from "typeorm";
import { InvalidConfigError } from "../errors";
import { OWN_UNIT_OF_WORK, type Frame, type UnitOfWork } from "../unit-of-work";
import type { RepositoryClass, RepositoryOf } from "./repository-of";
import { AsyncBaseRepository } from "./async-base-repository";
import type { BulkEngine } from "./bulk-engine";
import { RepositoryCore } from "./repository-core";
import type { RepositoryRuntime } from "./repository-runtime";
import type { EntityRepositorySettings } from "./repository-settings";

/** Any entity's repository (`AsyncBaseRepository<any>`); not exported, but named in the public `registrations`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRepository = AsyncBaseRepository<any>;
/** Every repository class, the base one and registered subclasses, is built from one core. */
type RepositoryConstructor = new (core: RepositoryCore) => AnyRepository;

/**
 * Builds repositories bound to the active unit of work. `create` caches one context-aware repository
 * per entity; `register` swaps in your subclass with extra methods.
 *
 * @example
 * class FunctionRepository extends AsyncBaseRepository<FunctionEntity> {
 *   findActive() { return this.findMany({ where: { status: "active" } }); }
 * }
 * uw.repositories.register(FunctionEntity, FunctionRepository);
 * const fns = uw.repositories.create(FunctionRepository); // typed FunctionRepository
 * await fns.findActive();
 * // create(FunctionEntity) and ctx.repository(FunctionEntity) give the same class, typed as the base
 */
export class RepositoryFactory {
  readonly #classes = new Map<unknown, RepositoryConstructor>();
  readonly #entityOfClass = new Map<unknown, EntityTarget<ObjectLiteral>>();
  readonly #cache = new Map<unknown, AnyRepository>();
  readonly #entitySettings = new Map<unknown, EntityRepositorySettings>();
  readonly #runtime: RepositoryRuntime;
  readonly #bulk?: BulkEngine;

  /** @internal use `createUnitwork()`; `uw.repositories` is the instance. */
  constructor(runtime: RepositoryRuntime, bulk?: BulkEngine) {
    this.#runtime = runtime;
    this.#bulk = bulk;
    RepositoryCore.resolveContextRepositories(runtime, (target, frame) => this.#build(target, frame));
  }

  /** @internal the unit of work `@Transactional` finds on a service holding this factory. */
  get [OWN_UNIT_OF_WORK](): UnitOfWork {
    return this.#runtime.unitOfWork;
  }

  /**
   * Uses `repositoryClass` for `entity` from now on (in `create`, `ctx.repository` and DI).
   *
   * @example
   * uw.repositories.register(FunctionEntity, FunctionRepository);
   */
  register<T extends ObjectLiteral, R extends AsyncBaseRepository<T>>(entity: EntityTarget<T>, repositoryClass: RepositoryClass<R>): this {
    if (!(repositoryClass.prototype instanceof AsyncBaseRepository)) {
      throw new InvalidConfigError(`${repositoryClass.name} must extend AsyncBaseRepository`);
    }
    if (!this.#runtime.dataSource.hasMetadata(entity)) {
      throw new InvalidConfigError(`${entityName(entity)} is not an entity of this DataSource`);
    }
    this.#classes.set(entity, repositoryClass as unknown as RepositoryConstructor);
    this.#entityOfClass.set(repositoryClass, entity as EntityTarget<ObjectLiteral>);
    this.#cache.delete(entity);
    this.#cache.delete(repositoryClass);
    return this;
  }

  /**
   * Settings for one entity's repositories (its registered class included), e.g. `{ validate: false }`
   * for an entity that is validated elsewhere: its writes then skip class-validator (unitwork's own
   * checks of keys and values still run).
   *
   * @example
   * uw.repositories.configure(LegacyOrder, { validate: false });
   */
  configure<T extends ObjectLiteral>(entity: EntityTarget<T>, settings: EntityRepositorySettings): this {
    if (!this.#runtime.dataSource.hasMetadata(entity)) {
      throw new InvalidConfigError(`${entityName(entity)} is not an entity of this DataSource`);
    }
    if (settings === null || typeof settings !== "object" || Object.keys(settings).some((k) => k !== "validate") || (settings.validate !== undefined && typeof settings.validate !== "boolean")) {
      throw new InvalidConfigError(`configure(${entityName(entity)}, settings): settings are { validate?: boolean }`);
    }
    this.#entitySettings.set(entity, { ...settings });
    this.#cache.delete(entity);
    for (const [repositoryClass, target] of this.#entityOfClass) if (target === entity) this.#cache.delete(repositoryClass);
    return this;
  }

  /**
   * The entity's repository (or registered custom class), following the caller's unit of work.
   *
   * @example
   * const users = uw.repositories.create(User); // the same instance on every call
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  create<X extends EntityTarget<any> | RepositoryClass<AnyRepository>>(target: X): RepositoryOf<X>;
  create(target: unknown): AnyRepository {
    let repository = this.#cache.get(target);
    if (!repository) {
      repository = this.#build(target, undefined);
      this.#cache.set(target, repository);
    }
    return repository;
  }

  /**
   * Entities that have a registered custom repository class.
   *
   * @example
   * uw.repositories.registrations.get(FunctionEntity); // FunctionRepository
   */
  get registrations(): ReadonlyMap<unknown, RepositoryClass<AnyRepository>> {
    return this.#classes as unknown as ReadonlyMap<unknown, RepositoryClass<AnyRepository>>;
  }

  #build(target: unknown, frame: Frame | undefined): AnyRepository {
    const entity = this.#entityOfClass.get(target) ?? (target as EntityTarget<ObjectLiteral>);
    if (!this.#entityOfClass.has(target)) {
      if (typeof target === "function" && target.prototype instanceof AsyncBaseRepository) {
        throw new InvalidConfigError(`${target.name} is not registered; call uw.repositories.register(Entity, ${target.name}) first`);
      }
      if (!this.#runtime.dataSource.hasMetadata(entity)) {
        throw new InvalidConfigError(`${entityName(entity)} is not an entity of this DataSource`);
      }
    }
    const Repository = this.#classes.get(entity) ?? (AsyncBaseRepository as RepositoryConstructor);
    return new Repository(new RepositoryCore(entity, this.#runtime, frame, this.#bulk, this.#entitySettings.get(entity)));
  }
}

function entityName(entity: unknown): string {
  return typeof entity === "function" ? entity.name : String(entity);
}
