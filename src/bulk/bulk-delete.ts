import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { applyFilter, type Filter } from "../query";
import type { BulkDeleteResult } from "../repository";
import type { EntityPlan } from "./entity-plan";
import { idTexts, requirePrimary } from "./primary-keys";
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
  const primary = requirePrimary(plan, operationName(mode));
  const action = actionSql(plan, mode);
  if (Array.isArray(idsOrFilter)) {
    const texts = idTexts(plan, idsOrFilter);
    let count = 0;
    for (let start = 0; start < texts.length; start += DEFAULT_DELETE_CHUNK) {
      const sql = `${action.head} WHERE t.${primary.quoted} = ANY($1::${primary.arrayType})${action.condition}`;
      const result = await connection.query(sql, [arrayLiteral(texts.slice(start, start + DEFAULT_DELETE_CHUNK))]);
      count += result.affected ?? 0;
    }
    return { count };
  }
  if (idsOrFilter === null || typeof idsOrFilter !== "object" || Object.keys(idsOrFilter).length === 0) {
    throw new InvalidQueryError(`${operationName(mode)} needs a list of ids or a non-empty filter (an empty filter would match every row)`);
  }
  const qb = connection.manager.createQueryBuilder(plan.metadata.target, "e").select(`e.${primary.column.propertyPath}`);
  applyFilter(qb, plan.metadata, "e", idsOrFilter as Filter<ObjectLiteral>);
  if (mode !== "softDelete") qb.withDeleted();
  const [subquery, parameters] = qb.getQueryAndParameters();
  const sql = `${action.head} WHERE t.${primary.quoted} IN (${subquery})${action.condition}`;
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
