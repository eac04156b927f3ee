import { randomBytes } from "node:crypto";
import type { ObjectLiteral } from "typeorm";
import type { CapturedStack } from "../analyzer";
import type { Frame } from "../unit-of-work";
import { BatchHydrator } from "./batch-hydrator";
import { rootParts, rootQuery } from "./list-statement";
import { loadRelationTree } from "./relation-loader";
import type { RepositoryCore } from "./repository-core";
import { RowHydrator } from "./row-hydrator";
import { StreamConnection } from "./stream-connection";
import type { StreamPlan } from "./stream-plan";

/**
 * One server-side cursor over `findMany`'s statement for a stream plan: `DECLARE … NO SCROLL CURSOR`,
 * then `FETCH batchSize` per batch, each batch hydrated as `findMany` hydrates and given its
 * relations with one statement per relation and level. Every statement is tagged as unitwork's own
 * for the analyzer and carries the one call site of the stream's consumer. @internal
 */
export class StreamCursor<T extends ObjectLiteral> {
  readonly #core: RepositoryCore<T>;
  readonly #plan: StreamPlan;
  readonly #hydrator: BatchHydrator<T>;
  /** findMany's own hydrator of the statement, when unitwork can reproduce TypeORM's (else `#hydrator` runs TypeORM's). */
  readonly #rowHydrator: RowHydrator | undefined;
  readonly #name: string;
  readonly #site: { callSite?: CapturedStack };
  #declared = false;

  private constructor(core: RepositoryCore<T>, plan: StreamPlan, readonly connection: StreamConnection, site: { callSite?: CapturedStack }) {
    this.#core = core;
    this.#plan = plan;
    this.#site = site;
    const qb = rootQuery(core, plan.list, rootParts(plan.list), connection.manager);
    this.#hydrator = new BatchHydrator(qb);
    this.#rowHydrator = RowHydrator.of(qb);
    this.#name = `uw_stream_${randomBytes(8).toString("hex")}`;
  }

  /** Takes the connection (the unit of work's, else one of its own) and declares the cursor. */
  static async open<T extends ObjectLiteral>(core: RepositoryCore<T>, plan: StreamPlan, frame: Frame | undefined): Promise<StreamCursor<T>> {
    const site = {};
    const connection = await StreamCursor.#statements(core, site, () => StreamConnection.open(core, frame));
    let cursor: StreamCursor<T>;
    try {
      cursor = new StreamCursor(core, plan, connection, site);
      const { sql, parameters } = cursor.#hydrator.statement();
      await cursor.#run(() => connection.query(`DECLARE ${cursor.#name} NO SCROLL CURSOR FOR ${sql}`, parameters));
      cursor.#declared = true;
    } catch (error) {
      await connection.end(error);
      throw error;
    }
    return cursor;
  }

  /** The next batch: its entities (relations loaded) and how many rows the cursor gave. */
  fetch(): Promise<{ entities: T[]; rows: number }> {
    return this.#run(async () => {
      const rows = await this.connection.query(`FETCH FORWARD ${this.#plan.batchSize} FROM ${this.#name}`);
      const entities = this.#rowHydrator ? ((await this.#rowHydrator.hydrate(rows, this.connection.runner)) as T[]) : await this.#hydrator.hydrate(rows);
      const { list } = this.#plan;
      if (list.strategy === "query" && list.relations.length && entities.length) {
        const statements = { manager: () => this.connection.manager, execute: <R>(call: () => Promise<R>) => this.#core.execute(call) };
        await loadRelationTree(statements, this.#core.metadata, entities, list.relations, list.withDeleted);
      }
      return { entities, rows: rows.length };
    });
  }

  /**
   * Closes the cursor (in a unit of work, whose transaction goes on; a transaction of the stream's
   * own closes it by ending) and ends the connection. After a failure, the failure is what the
   * consumer gets: a cursor in an aborted transaction cannot be closed, and its unit rolls back.
   */
  async close(failure: unknown): Promise<void> {
    try {
      if (this.#declared && this.connection.unit && failure === undefined && this.connection.usable) {
        await this.#run(() => this.connection.query(`CLOSE ${this.#name}`));
      }
    } finally {
      await this.connection.end(failure);
    }
  }

  #run<R>(fn: () => Promise<R>): Promise<R> {
    return StreamCursor.#statements(this.#core, this.#site, fn);
  }

  static #statements<R>(core: RepositoryCore, site: { callSite?: CapturedStack }, fn: () => Promise<R>): Promise<R> {
    return core.executeAt(site, () => core.tagged("internal", `stream ${core.metadata.name}`, fn));
  }
}
