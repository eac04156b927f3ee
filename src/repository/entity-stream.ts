import { randomBytes } from "node:crypto";
import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { sortExpression, type RelationNode } from "../query";
import type { Frame } from "../unit-of-work";
import { BatchHydrator } from "./batch-hydrator";
import type { ListPlan } from "./list-plan";
import { loadRelationTree } from "./relation-loader";
import type { RepositoryCore } from "./repository-core";
import { StreamConnection } from "./stream-connection";
import type { StreamPlan } from "./stream-plan";

/**
 * The rows of a stream plan, one batch at a time: `DECLARE … NO SCROLL CURSOR` for `findMany`'s
 * statement, then `FETCH batchSize` each time the consumer has taken every row of the previous
 * batch (nothing is read ahead), each batch hydrated as `findMany` hydrates and given its relations
 * with one statement per relation and level. However the iteration ends (exhausted, `break`/`return`,
 * an error of the consumer or of the database) the cursor is closed, and a connection of the
 * stream's own is released. Its statements are tagged as unitwork's own for the analyzer. @internal
 */
export async function* streamEntities<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: StreamPlan, frame: Frame | undefined): AsyncGenerator<T, void, undefined> {
  const label = `stream ${core.metadata.name}`;
  // every statement of the stream: unitwork's own (tagged), at the one call site of its consumer
  const site = {};
  const tagged = <R>(fn: () => Promise<R>) => core.executeAt(site, () => core.tagged("internal", label, fn));
  const connection = await tagged(() => StreamConnection.open(core, frame));
  let failure: unknown;
  let cursor: string | undefined;
  try {
    const hydrator = new BatchHydrator(rootQuery(core, connection.manager, plan.list));
    const { sql, parameters } = hydrator.statement();
    const name = `uw_stream_${randomBytes(8).toString("hex")}`;
    await tagged(() => connection.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, parameters));
    cursor = name;
    const statements = { manager: () => connection.manager, execute: <R>(call: () => Promise<R>) => core.execute(call) };
    const relations = plan.list.strategy === "query" ? plan.list.relations : [];
    for (;;) {
      const { entities, rows } = await tagged(async () => {
        const fetched = await connection.query(`FETCH FORWARD ${plan.batchSize} FROM ${name}`);
        const hydrated = await hydrator.hydrate(fetched);
        if (relations.length && hydrated.length) await loadRelationTree(statements, core.metadata, hydrated, relations, plan.list.withDeleted);
        return { entities: hydrated, rows: fetched.length };
      });
      for (const entity of entities) {
        yield entity;
        connection.check();
      }
      if (rows < plan.batchSize) break;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await close(connection, cursor, failure, tagged);
  }
}

/**
 * Closes the cursor (in a unit of work, whose transaction goes on; a transaction of the stream's own
 * closes it by ending) and ends the connection. After a failure, the failure is what the consumer
 * gets: a cursor in an aborted transaction cannot be closed, and its unit of work rolls back.
 */
async function close(connection: StreamConnection, cursor: string | undefined, failure: unknown, tagged: <R>(fn: () => Promise<R>) => Promise<R>): Promise<void> {
  try {
    if (cursor && connection.unit && failure === undefined && connection.usable) await tagged(() => connection.query(`CLOSE ${cursor}`));
  } finally {
    await connection.end(failure);
  }
}

/** `findMany`'s root statement for the plan (its filter, order, limit and offset), on the stream's connection. */
function rootQuery<T extends ObjectLiteral>(core: RepositoryCore<T>, manager: EntityManager, plan: ListPlan): SelectQueryBuilder<T> {
  const qb = manager.createQueryBuilder(core.target, "e");
  const bindings = plan.bindings.fork();
  if (plan.withDeleted) qb.withDeleted();
  if (plan.filter.sql) qb.andWhere(plan.filter.sql);
  plan.keys.forEach((key) => {
    qb.addOrderBy(sortExpression(key, "e", bindings, plan.withDeleted), key.direction, key.nulls === "FIRST" ? "NULLS FIRST" : "NULLS LAST");
  });
  if (plan.strategy === "join") joinTree(qb, "e", plan.relations);
  if (plan.limit !== undefined) qb.limit(plan.limit);
  if (plan.offset) qb.offset(plan.offset);
  qb.setParameters(bindings.parameters);
  return qb;
}

function joinTree(qb: SelectQueryBuilder<ObjectLiteral>, alias: string, nodes: RelationNode[]): void {
  for (const node of nodes) {
    const child = `${alias}_${node.relation.propertyName}`;
    qb.leftJoinAndSelect(`${alias}.${node.relation.propertyName}`, child);
    joinTree(qb, child, node.children);
  }
}
