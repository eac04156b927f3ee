import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { checkId } from "../repository/async-base-repository";
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
    checkId(plan.metadata, primary.property, primary.column.type, id);
    const text = String(id);
    const first = seen.get(text);
    if (first !== undefined) throw new InvalidQueryError(`rows ${first} and ${offset + r} have the same ${primary.property} ${JSON.stringify(id)}`, primary.property);
    seen.set(text, offset + r);
    texts[r] = text;
  }
  return texts;
}

/** Checked primary keys of a bulk delete: `[text, value]` pairs. @internal */
export function idTexts(plan: EntityPlan, ids: readonly unknown[]): string[] {
  const primary = plan.primary!;
  return ids.map((id) => {
    checkId(plan.metadata, primary.property, primary.column.type, id);
    return String(id);
  });
}
