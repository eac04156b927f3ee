import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { applyFilter, type Filter } from "../query";
import type { BulkDeleteResult } from "../repository";
import type { EntityPlan } from "./entity-plan";
import { keyColumnTexts } from "./primary-keys";
import { arrayLiteral } from "./sql-text";
import type { BulkConnection } from "./bulk-connection";

export const DEFAULT_DELETE_CHUNK = 10_000;

/** What a bulk delete does to the matched rows. @internal */
export type DeleteMode = "delete" | "softDelete" | "restore";

/**
 * `bulkDelete` / `bulkSoftDelete` / `bulkRestore`: by primary keys (`= ANY($1)` per chunk of
 * 10,000 keys) or by a checked `Filter<T>` (`WHERE key IN (SELECT … WHERE <filter>)`). @internal
 */
export async function bulkDelete<T extends ObjectLiteral>(connection: BulkConnection, plan: EntityPlan, idsOrFilter: readonly unknown[] | Filter<T>, mode: DeleteMode): Promise<BulkDeleteResult> {
  const action = actionSql(plan, mode);
  if (Array.isArray(idsOrFilter)) {
    const keys = keyColumnTexts(plan, idsOrFilter as ObjectLiteral[], 0, new Map(), false);
    const columns = plan.primaries;
    // one key: `= ANY($1)`; a composite key: the rows whose key tuple is among the unnested ids
    const where = plan.primary
      ? `t.${plan.primary.quoted} = ANY($1::${plan.primary.arrayType})`
      : `(${columns.map((c) => `t.${c.quoted}`).join(", ")}) IN (SELECT * FROM unnest(${columns.map((c, j) => `$${j + 1}::${c.arrayType}`).join(", ")}))`;
    let count = 0;
    for (let start = 0; start < idsOrFilter.length; start += DEFAULT_DELETE_CHUNK) {
      const parameters = keys.map((texts) => arrayLiteral(texts.slice(start, start + DEFAULT_DELETE_CHUNK)));
      const result = await connection.query(`${action.head} WHERE ${where}${action.condition}`, parameters);
      count += result.affected ?? 0;
    }
    return { count };
  }
  if (idsOrFilter === null || typeof idsOrFilter !== "object" || Object.keys(idsOrFilter).length === 0) {
    throw new InvalidQueryError(`${operationName(mode)} needs a list of ids or a non-empty filter (an empty filter would match every row)`);
  }
  const qb = connection.manager.createQueryBuilder(plan.metadata.target, "e").select(plan.primaries.map((c) => `e.${c.column.propertyPath}`));
  applyFilter(qb, plan.metadata, "e", idsOrFilter as Filter<ObjectLiteral>);
  if (mode !== "softDelete") qb.withDeleted();
  const [subquery, parameters] = qb.getQueryAndParameters();
  const sql = `${action.head} WHERE (${plan.primaries.map((c) => `t.${c.quoted}`).join(", ")}) IN (${subquery})${action.condition}`;
  const result = await connection.query(sql, parameters);
  return { count: result.affected ?? 0 };
}

function actionSql(plan: EntityPlan, mode: DeleteMode): { head: string; condition: string } {
  if (mode === "delete") return { head: `DELETE FROM ${plan.table} AS t`, condition: "" };
  const deleted = plan.deleteDate;
  if (!deleted) throw new InvalidQueryError(`${operationName(mode)}: ${plan.metadata.name} has no @DeleteDateColumn, so it cannot be soft-deleted`);
  const sets = [`${deleted.quoted} = ${mode === "softDelete" ? "CURRENT_TIMESTAMP" : "NULL"}`];
  if (plan.updateDate) sets.push(`${plan.updateDate.quoted} = CURRENT_TIMESTAMP`);
  if (plan.version) sets.push(`${plan.version.quoted} = t.${plan.version.quoted} + 1`);
  return {
    head: `UPDATE ${plan.table} AS t SET ${sets.join(", ")}`,
    condition: ` AND t.${deleted.quoted} IS ${mode === "softDelete" ? "NULL" : "NOT NULL"}`,
  };
}

function operationName(mode: DeleteMode): string {
  return mode === "delete" ? "bulkDelete" : mode === "softDelete" ? "bulkSoftDelete" : "bulkRestore";
}
