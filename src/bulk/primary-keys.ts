import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { checkId } from "../repository/entity-id";
import type { ColumnPlan, EntityPlan } from "./entity-plan";

/** The single-column primary key, or `InvalidQueryError` for a composite one. @internal */
export function requirePrimary(plan: EntityPlan, operation: string): ColumnPlan {
  if (!plan.primary) throw new InvalidQueryError(`${operation}: ${plan.metadata.name} has a composite primary key; ${operation} needs a single-column key`);
  return plan.primary;
}

/**
 * The primary key text of every row, checked against the column type; a missing key or one repeated
 * in the call (`seen` spans chunks) throws `InvalidQueryError` naming the rows. @internal
 */
export function primaryKeyTexts(plan: EntityPlan, rows: readonly ObjectLiteral[], offset: number, seen: Map<string, number>): string[] {
  const primary = plan.primary!;
  const texts = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const id = primary.read(rows[r]!);
    if (id === undefined || id === null) throw new InvalidQueryError(`row ${offset + r} has no ${primary.property}; every row needs its primary key`, primary.property);
    const text = keyText(plan, id);
    const first = seen.get(text);
    if (first !== undefined) throw new InvalidQueryError(`rows ${first} and ${offset + r} have the same ${primary.property} ${JSON.stringify(id)}`, primary.property);
    seen.set(text, offset + r);
    texts[r] = text;
  }
  return texts;
}

/** Checked primary keys of a bulk delete, as texts. @internal */
export function idTexts(plan: EntityPlan, ids: readonly unknown[]): string[] {
  return ids.map((id) => keyText(plan, id));
}

/**
 * A checked key in PostgreSQL's own spelling (`"007"` → `"7"`, upper-case uuids lower-cased), so that
 * keys compare with what the server returns and a key given twice in two spellings is seen. @internal
 */
function keyText(plan: EntityPlan, id: unknown): string {
  const primary = plan.primary!;
  const text = String(checkId(plan.metadata, primary.column, id));
  return primary.column.type === "uuid" ? text.toLowerCase() : text;
}
