import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** What `getRawAndEntities` reads the rows of its statement with (a protected method of TypeORM's query builder). */
interface RowSource {
  loadRawResults(queryRunner: unknown): Promise<unknown[]>;
}

/**
 * Turns rows fetched from a cursor declared for `qb`'s statement into the entities `qb.getMany()`
 * would give for them: TypeORM's own pipeline (`@RelationId` values, column transformers, joined
 * to-one relations, single-table inheritance, `@AfterLoad` listeners and subscribers) runs on a clone
 * of `qb` whose rows are the batch instead of the statement's. @internal
 */
export class BatchHydrator<T extends ObjectLiteral> {
  readonly #qb: SelectQueryBuilder<T>;

  constructor(qb: SelectQueryBuilder<T>) {
    if (typeof (qb as unknown as Partial<RowSource>).loadRawResults !== "function") {
      throw new Error("unitwork: this TypeORM version's query builder has no loadRawResults; streams cannot hydrate rows with it");
    }
    this.#qb = qb;
  }

  /** The statement (SQL with `$n` placeholders, and its values) the cursor is declared for. */
  statement(): { sql: string; parameters: unknown[] } {
    const probe = this.#qb.clone();
    probe.expressionMap.queryEntity = true; // as getMany sets it before building its statement
    const [sql, parameters] = probe.getQueryAndParameters();
    return { sql, parameters };
  }

  /** The entities of one batch of rows, in row order. */
  async hydrate(rows: Record<string, unknown>[]): Promise<T[]> {
    if (rows.length === 0) return [];
    const batch = this.#qb.clone();
    let handed = false;
    const source: RowSource = {
      loadRawResults: () => {
        handed = true;
        return Promise.resolve(rows);
      },
    };
    Object.defineProperty(batch, "loadRawResults", { value: source.loadRawResults, configurable: true });
    const { entities } = await batch.getRawAndEntities();
    // Guard against a TypeORM that no longer reads its rows there: it would have run the whole statement.
    if (!handed) throw new Error("unitwork: TypeORM did not take the fetched rows; streams cannot hydrate rows with this version");
    return entities;
  }
}
