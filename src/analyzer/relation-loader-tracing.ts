import type { DataSource } from "typeorm";
import type { CallSiteTracer } from "./call-site-tracer";

type Load = (...args: unknown[]) => Promise<unknown>;

/**
 * Makes the RelationLoader of ONE DataSource capture the caller's stack when it starts loading: a
 * lazy relation (`await post.author`) calls `load` synchronously from the property getter, so the
 * application line that read the property is on the stack there, while the statement itself runs
 * after a `.then` that V8's async stack trace cannot follow. `relation(...).of(...).loadOne()` goes
 * through the same method. Only this DataSource's loader instance gets the wrapper (an own property);
 * TypeORM's class is untouched. Returns the undo. @internal
 */
export function traceRelationLoader(dataSource: DataSource, tracer: CallSiteTracer): () => void {
  const loader = dataSource.relationLoader as unknown as { load: Load };
  const original = loader.load;
  const wrapper = function (this: unknown) {
    const args = arguments;
    if (!tracer.wouldCapture) return original.apply(this, args as never);
    return tracer.trace(() => original.apply(this, args as never), true);
  };
  Object.defineProperty(loader, "load", { value: wrapper, writable: true, configurable: true });
  return () => {
    if (loader.load === wrapper) delete (loader as { load?: Load }).load;
  };
}
