import type { ObjectLiteral } from "typeorm";
import { IllegalTransactionStateError, InvalidQueryError } from "../errors";
import { checkKey } from "./entity-id";
import type { GetByIdOptions } from "./find-options";
import { checkOptions } from "./list-options";
import { planList } from "./list-plan";
import { runList } from "./list-runner";
import type { RepositoryCore } from "./repository-core";

const LOCKS = ["pessimistic_read", "pessimistic_write"];

/** `getById`: a one-row listing by primary key, with an optional row lock. @internal */
export async function findById<T extends ObjectLiteral>(core: RepositoryCore<T>, id: unknown, options: GetByIdOptions<T>): Promise<T | null> {
  const metadata = core.metadata;
  const key = checkKey(metadata, id);
  checkOptions(options, "getById");
  if (options.lock !== undefined && !LOCKS.includes(options.lock)) {
    throw new InvalidQueryError(`lock must be "pessimistic_read" or "pessimistic_write"`, "lock", LOCKS);
  }
  if (options.lock && !core.manager(false).queryRunner?.isTransactionActive) {
    throw new IllegalTransactionStateError(`getById(..., { lock: "${options.lock}" }) needs an active unit of work`);
  }
  const plan = planList(core, { where: key.filter, relations: options.relations, withDeleted: options.withDeleted, limit: 1 });
  if (options.lock) {
    plan.lock = options.lock;
    if (plan.strategy === "join") plan.strategy = "query"; // FOR UPDATE cannot lock the nullable side of a join
  }
  const run = () => runList(core, plan);
  const { entities } = plan.relations.length ? await core.tagged("internal", `getById ${metadata.name}`, run) : await run();
  return entities[0] ?? null;
}
