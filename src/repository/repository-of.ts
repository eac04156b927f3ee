import type { EntitySchema, EntityTarget, ObjectLiteral } from "typeorm";
import type { AsyncBaseRepository } from "./async-base-repository";

/** A class extending `AsyncBaseRepository`, as given to `RepositoryFactory.register`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RepositoryClass<R extends AsyncBaseRepository<any>> = abstract new (...args: any[]) => R;

/**
 * The repository type for a target: a custom repository class gives itself, an entity class its
 * `AsyncBaseRepository`, an `EntitySchema` or entity name the untyped one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RepositoryOf<X> = X extends abstract new (...args: any[]) => infer I
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any
    I extends AsyncBaseRepository<any> ? I : I extends ObjectLiteral ? AsyncBaseRepository<I> : never
  : X extends EntitySchema<infer S> ? AsyncBaseRepository<S extends ObjectLiteral ? S : ObjectLiteral>
  : AsyncBaseRepository<ObjectLiteral>;

// `ctx.repository()` is typed here, where repositories are known, rather than in the unit-of-work
// layer below, which must not import this one.
declare module "../unit-of-work/unit-of-work-context" {
  interface UnitOfWorkContext {
    /**
     * The entity's repository (or its registered custom class), or a registered custom repository
     * class, bound to this unit of work.
     *
     * @example
     * await uw.unitOfWork.run(async (ctx) => {
     *   const fns = ctx.repository(FunctionRepository); // a registered custom class, typed as itself
     *   await ctx.repository(User).create({ email: "a@b.co" });
     * });
     */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    repository<X extends EntityTarget<any> | RepositoryClass<AsyncBaseRepository<any>>>(target: X): RepositoryOf<X>;
  }
}
