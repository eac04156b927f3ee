import type { DeepPartial, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { IllegalTransactionStateError, InvalidQueryError, NotFoundError } from "../errors";
import { compileFilter, parseRelations, SqlBindings, type CursorPage, type Filter, type Page, type Relations } from "../query";
import type { ColumnMetadata } from "../query/column-metadata";
import { OWN_UNIT_OF_WORK, type UnitOfWork, type UnitOfWorkContext } from "../unit-of-work";
import type { BulkDeleteResult, BulkInsertOptions, BulkInsertResult, BulkRowsInput, BulkUpdateOptions, BulkUpdateResult, BulkUpsertOptions, BulkUpsertResult } from "./bulk-options";
import { checkKey, keyOfEntity, type EntityKey } from "./entity-id";
import { findById } from "./find-by-id";
import type { CursorPaginateOptions, FindManyOptions, GetByIdOptions, PaginateOptions } from "./find-options";
import { checkOptions } from "./list-options";
import { planList, withEagerRelations } from "./list-plan";
import { countList, existsList, runList } from "./list-runner";
import { paginate, paginateByCursor } from "./pagination";
import { loadRelationTree } from "./relation-loader";
import { RepositoryCore } from "./repository-core";
import { EntityStream } from "./entity-stream";
import type { StreamOptions } from "./stream-options";
import { planStream } from "./stream-plan";
import { deleteRow, insertRow, markDeleted, updateRow } from "./row-writes";
import type { WriteOptions } from "./write-options";

/**
 * The repository of one entity. Every call uses the unit of work active in the caller's async call
 * chain, or auto-commits outside one (strict mode refuses writes there).
 *
 * @example
 * const users = uw.repositories.create(User);
 * const user = await users.create({ email: "ada@example.com" });
 * await users.update(user.id, { email: "ada@lovelace.dev" });
 */
export class AsyncBaseRepository<T extends ObjectLiteral> {
  readonly #core: RepositoryCore<T>;

  /**
   * @internal `RepositoryFactory` builds repositories (`uw.repositories.create`, `ctx.repository`);
   * a custom subclass inherits this constructor and is registered, never constructed by hand.
   */
  constructor(core: RepositoryCore<T>) {
    if (!(core instanceof RepositoryCore)) {
      throw new IllegalTransactionStateError("repositories are built by uw.repositories.create(Entity) or ctx.repository(Entity), not with new");
    }
    this.#core = core;
  }

  /** @internal the unit of work `@Transactional` finds on a service holding this repository. */
  get [OWN_UNIT_OF_WORK](): UnitOfWork {
    return this.#core.unitOfWork;
  }

  /**
   * The entity (class, schema or name) this repository serves.
   *
   * @example
   * uw.repositories.create(User).target === User; // true
   */
  get target(): EntityTarget<T> {
    return this.#core.target;
  }

  /**
   * The TypeORM metadata of the entity.
   *
   * @example
   * const table = users.metadata.tableName; // "users"
   */
  get metadata(): EntityMetadata {
    return this.#core.metadata;
  }

  /**
   * The unit of work this repository works in now (bound one, else the call chain's), if any.
   *
   * @example
   * await uw.unitOfWork.run(async () => users.context?.transactional); // true
   */
  get context(): UnitOfWorkContext | undefined {
    return this.#core.frame();
  }

  // ---------------------------------------------------------------- reads

  /**
   * The entity with this primary key, or `null`. `lock` takes a row lock (inside a unit of work only).
   *
   * @example
   * const fn = await fns.getById(42, { relations: { user: true } });
   */
  getById(id: EntityKey, options: GetByIdOptions<T> = {}): Promise<T | null> {
    return findById(this.#core, id, options); // an async function: whatever it throws is a rejection
  }

  /**
   * Like `getById`, but throws `NotFoundError` when there is no such row.
   *
   * @example
   * const user = await users.getByIdOrFail(id); // NotFoundError → 404 in the HTTP adapters
   */
  async getByIdOrFail(id: EntityKey, options: GetByIdOptions<T> = {}): Promise<T> {
    const found = await this.getById(id, options);
    if (!found) throw new NotFoundError(this.metadata.name, id);
    return found;
  }

  /**
   * Whether a row with this primary key exists (soft-deleted rows do not count).
   *
   * @example
   * if (!(await users.existsById(id))) throw new NotFoundError("User", id);
   */
  async existsById(id: EntityKey): Promise<boolean> {
    return this.exists(checkKey(this.metadata, id).filter as Filter<T>);
  }

  /**
   * How many rows match `where` (all rows without it); soft-deleted rows do not count.
   *
   * @example
   * const failed = await fns.count({ status: { in: ["failed", "building"] } });
   */
  async count(where?: Filter<T>): Promise<number> {
    return countList(this.#core, { filter: compileFilter(this.metadata, "e", where, { bindings: new SqlBindings("uwf_") }), withDeleted: false });
  }

  /**
   * Whether any row matches `where`.
   *
   * @example
   * const hasFailures = await fns.exists({ deployments: { status: "failed" } });
   */
  async exists(where?: Filter<T>): Promise<boolean> {
    return existsList(this.#core, { filter: compileFilter(this.metadata, "e", where, { bindings: new SqlBindings("uwf_") }), withDeleted: false });
  }

  /**
   * The rows matching `where`, in `orderBy` order (primary key appended, so the order is stable), with
   * `relations` loaded. Everything is checked against the entity before any SQL is built.
   *
   * @example
   * await fns.findMany({ where: { status: { in: ["active", "building"] }, user: { email: { ilike: "%@acme.co" } } },
   *   orderBy: "-createdAt", relations: { deployments: true }, limit: 50 });
   */
  async findMany(options: FindManyOptions<T> = {}): Promise<T[]> {
    checkOptions(options, "findMany");
    const core = this.#core;
    const plan = planList(core, options);
    const run = () => runList(core, plan);
    const { entities } = plan.relations.length ? await core.tagged("internal", `findMany ${core.metadata.name}`, run) : await run();
    return entities;
  }

  /**
   * The first row of `findMany(options)` (with `limit: 1`), or `null`.
   *
   * @example
   * const latest = await fns.findFirst({ where: { runtime: "node" }, orderBy: "-createdAt" });
   */
  async findFirst(options: Omit<FindManyOptions<T>, "limit"> = {}): Promise<T | null> {
    checkOptions(options, "findFirst");
    const found = await this.findMany({ ...options, limit: 1 });
    return found[0] ?? null;
  }

  /**
   * The rows of `findMany(options)`, in the same order and hydrated the same way, read through a
   * server-side cursor `batchSize` rows at a time (default 1,000): the next batch is fetched only when
   * the loop has taken every row of the previous one, so memory stays bounded whatever the row count.
   * `relations` are loaded per batch, one statement per relation and level. Inside a unit of work the
   * stream uses its transaction (it sees its uncommitted writes) and must be consumed before the unit
   * ends (the commit closes the cursor; using it later throws `IllegalTransactionStateError`);
   * outside one it runs in a `REPEATABLE READ, READ ONLY` transaction on a connection of its own. The
   * cursor is closed, and that connection released, however the loop ends: done, `break`, `return`
   * or an error. Options are checked when `stream` is called (`InvalidQueryError`); no statement runs
   * before the first row is asked for.
   *
   * @example
   * for await (const log of logs.stream({ where: { level: "error" }, orderBy: "createdAt", batchSize: 500 })) {
   *   await archive.write(log); // one batch in memory at a time; `break` closes the cursor
   * }
   */
  stream(options: StreamOptions<T> = {}): AsyncGenerator<T, void, undefined> {
    const plan = planStream(this.#core, options);
    return new EntityStream(this.#core, plan, this.#core.frame());
  }

  /**
   * One page by offset: `{ items, total, page, pageSize, totalPages, hasNext, hasPrevious }`. With
   * `count: "exact"` (default) `total` counts matching roots (relations never multiply it); with
   * `count: "none"` it is `null` and `hasNext` comes from fetching one extra row.
   *
   * @example
   * const page = await fns.paginate({ page: 2, pageSize: 20, where: { status: "active" }, orderBy: "-createdAt" });
   */
  paginate(options: PaginateOptions<T>): Promise<Page<T>> {
    return paginate(this.#core, options);
  }

  /**
   * One page by keyset: pass `pageInfo.endCursor` as `after` for the next one. Cursors are opaque,
   * encrypted and authenticated, and bound to the entity, order, filter and `withDeleted` of the listing;
   * rows inserted during a walk never make it skip or repeat a row.
   *
   * @example
   * let after: string | null = null;
   * do { const page = await logs.paginateByCursor({ first: 100, after, orderBy: "-createdAt" }); after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null; } while (after);
   */
  paginateByCursor(options: CursorPaginateOptions<T>): Promise<CursorPage<T>> {
    return paginateByCursor(this.#core, options);
  }

  /**
   * Fills `relations` on already loaded entities with one statement per relation level (the fix for
   * an N+1 loop). Returns the same entities.
   *
   * @example
   * const fns = await repo.findMany({ where: { status: "active" } });
   * await repo.loadRelations(fns, { deployments: true, user: true }); // 2 statements, any number of fns
   */
  async loadRelations(entities: readonly T[], relations: Relations<T>, options: { withDeleted?: boolean } = {}): Promise<T[]> {
    if (!Array.isArray(entities)) throw new InvalidQueryError("loadRelations takes an array of entities", "entities");
    const metadata = this.metadata;
    // the requested relations, each with the eager relations of what it loads (as TypeORM's relations option)
    const requested = parseRelations(metadata, relations);
    const nodes = withEagerRelations(metadata, requested, 0).filter((node) => requested.some((r) => r.relation === node.relation));
    const list = entities.filter((e): e is T => e !== null && e !== undefined);
    const core = this.#core;
    await core.tagged("internal", `loadRelations ${metadata.name}`, () => loadRelationTree(core, metadata, list, nodes, options.withDeleted === true));
    core.relationsLoaded(list, nodes, "loadRelations");
    return list;
  }

  /**
   * Reads the entity's row again and copies its current column values onto `entity` (soft-deleted
   * rows included); `NotFoundError` when the row is gone. Returns `entity`.
   *
   * @example
   * await fns.reload(fn); // fn.status and fn.updatedAt are the stored ones again
   */
  async reload(entity: T): Promise<T> {
    const metadata = this.metadata;
    if (entity === null || typeof entity !== "object") throw new InvalidQueryError("reload takes an entity", "entity");
    const id = keyOfEntity(metadata, entity);
    const fresh = await this.getById(id, { withDeleted: true });
    if (!fresh) throw new NotFoundError(metadata.name, id);
    for (const column of metadata.columns) {
      if (column.embeddedMetadata || metadata.relations.some((r) => r.propertyName === column.propertyName)) continue;
      column.setEntityValue(entity, column.getEntityValue(fresh));
    }
    return entity;
  }

  /**
   * A TypeORM query builder on the active unit of work's manager.
   *
   * @example
   * const rows = await fns.query("f").select("f.runtime", "runtime").addSelect("count(*)", "n").groupBy("f.runtime").getRawMany();
   */
  query(alias = "e"): SelectQueryBuilder<T> {
    return this.#core.query(alias);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Validates and inserts one row; returns it as stored (defaults and generated values included).
   * `{ validate: false }` skips the entity's class-validator rules for this call.
   *
   * @example
   * const user = await users.create({ email: "ada@example.com" });
   */
  async create(data: DeepPartial<T>, options: WriteOptions = {}): Promise<T> {
    return this.#core.writing(() => insertRow(this.#core, data, options));
  }

  /**
   * Applies a partial patch and returns the updated entity. `idOrEntity` may be a loaded entity; with a
   * `@VersionColumn` its version (or `patch.version`) must still be current, else `ConcurrencyError`.
   *
   * @example
   * const fn = await fns.getByIdOrFail(42);
   * await fns.update(fn, { status: "active" }); // ConcurrencyError if someone changed it since
   */
  async update(idOrEntity: EntityKey | T, patch: DeepPartial<T>, options: WriteOptions = {}): Promise<T> {
    return this.#core.writing(() => updateRow(this.#core, idOrEntity, patch, (id) => this.existsById(id), options));
  }

  /**
   * Deletes the row for good; returns whether there was one.
   *
   * @example
   * const deleted = await fns.delete(42);
   */
  async delete(id: EntityKey): Promise<boolean> {
    return deleteRow(this.#core, id);
  }

  /**
   * Marks the row deleted (`@DeleteDateColumn` set to now, version bumped); reads then skip it unless
   * `withDeleted`. Returns whether a live row was marked.
   *
   * @example
   * await users.softDelete(id);
   * await users.getById(id); // null; getById(id, { withDeleted: true }) still finds it
   */
  async softDelete(id: EntityKey): Promise<boolean> {
    return markDeleted(this.#core, id, "softDelete");
  }

  /**
   * Undoes `softDelete`; returns whether a soft-deleted row was restored.
   *
   * @example
   * await users.softDelete(id);
   * await users.restore(id); // true
   */
  async restore(id: EntityKey): Promise<boolean> {
    return markDeleted(this.#core, id, "restore");
  }

  // ---------------------------------------------------------------- bulk (see src/bulk)

  /**
   * Set-based insert; `ids[i]` is the generated key of `rows[i]`. All or nothing.
   *
   * @example
   * const { count, ids } = await logs.bulkInsert(rows, { onProgress: (done) => console.log(done) });
   */
  bulkInsert(rows: BulkRowsInput<T>, options: BulkInsertOptions = {}): Promise<BulkInsertResult> {
    return this.#core.bulk().insert(this.#core, rows, options);
  }

  /**
   * One set-based UPDATE per chunk; each row carries its primary key and its own values.
   *
   * @example
   * await fns.bulkUpdate([{ id: 1, status: "active" }, { id: 2, status: "failed" }]);
   */
  bulkUpdate(rows: readonly DeepPartial<T>[], options: BulkUpdateOptions = {}): Promise<BulkUpdateResult> {
    return this.#core.bulk().update(this.#core, rows, options);
  }

  /**
   * `INSERT … ON CONFLICT … DO UPDATE`, set-based, with exact inserted/updated counts.
   *
   * @example
   * const { inserted, updated } = await fns.bulkUpsert(rows, { conflictPaths: ["userId", "name"] });
   */
  bulkUpsert(rows: readonly DeepPartial<T>[], options: BulkUpsertOptions<T>): Promise<BulkUpsertResult> {
    return this.#core.bulk().upsert(this.#core, rows, options);
  }

  /**
   * Deletes by primary keys (chunked `= ANY($1)`) or by a checked filter.
   *
   * @example
   * await logs.bulkDelete({ createdAt: { lt: cutoff } });
   */
  bulkDelete(idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.#core.bulk().delete(this.#core, idsOrFilter);
  }

  /**
   * Soft-deletes (sets the `@DeleteDateColumn`) by primary keys or a filter; already deleted rows are not counted.
   *
   * @example
   * await users.bulkSoftDelete([3, 4, 5]);
   */
  bulkSoftDelete(idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.#core.bulk().softDelete(this.#core, idsOrFilter);
  }

  /**
   * Restores soft-deleted rows by primary keys or a filter; rows that were not deleted are not counted.
   *
   * @example
   * await users.bulkRestore({ email: { endsWith: "@acme.co" } });
   */
  bulkRestore(idsOrFilter: readonly EntityKey[] | Filter<T>): Promise<BulkDeleteResult> {
    return this.#core.bulk().restore(this.#core, idsOrFilter);
  }

  // ---------------------------------------------------------------- for subclasses

  /**
   * The EntityManager of the active unit of work (the DataSource's outside one), for a custom
   * repository's own statements. `write` refuses to run outside a unit of work in strict mode.
   *
   * @example
   * class AccountRepository extends AsyncBaseRepository<Account> {
   *   credit(id: number, amount: number) {
   *     const manager = this.manager(true);
   *     return this.execute(() => manager.query("UPDATE accounts SET balance = balance + $2 WHERE id = $1", [id, amount]));
   *   }
   * }
   */
  protected manager(write = false): EntityManager {
    return this.#core.manager(write);
  }

  /**
   * Runs a custom repository's own database call the way the built-in methods run theirs: the
   * analyzer sees the caller's call site, and a failure comes out as the typed unitwork error.
   *
   * @example
   * const row = await this.execute(() => this.query("i").select("count(*)", "n").getRawOne());
   */
  protected execute<R>(call: () => Promise<R>): Promise<R> {
    return this.#core.execute(call);
  }

  /**
   * The single-column primary key; `InvalidQueryError` for a composite one.
   *
   * @example
   * const idColumn = this.primaryColumn().databaseName; // e.g. "id"
   */
  protected primaryColumn(metadata = this.metadata): ColumnMetadata {
    const primaries = metadata.primaryColumns;
    if (primaries.length !== 1) {
      throw new InvalidQueryError(`${metadata.name} has a composite primary key; this method needs a single-column key`);
    }
    return primaries[0]!;
  }
}
