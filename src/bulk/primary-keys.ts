import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { checkId } from "../repository/entity-id";
import type { EntityPlan } from "./entity-plan";

/**
 * The key columns of a bulk update or delete, each with its text per row (in PostgreSQL's spelling);
 * a composite key is given as an object of its properties, a single one as the value. A missing key,
 * or one repeated in the call (`seen` spans chunks), throws `InvalidQueryError` naming the rows. @internal
 */
export function keyColumnTexts(plan: EntityPlan, rows: readonly ObjectLiteral[], offset: number, seen: Map<string, number>, fromRows: boolean): string[][] {
  if (plan.primary) return [fromRows ? primaryKeyTexts(plan, rows, offset, seen) : idTexts(plan, rows)];
  const columns = plan.primaries;
  const texts = columns.map(() => new Array<string>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!fromRows && (row === null || typeof row !== "object" || Array.isArray(row))) {
      throw new InvalidQueryError(`id ${offset + r}: ${plan.metadata.name} has a composite primary key; give each id as { ${columns.map((c) => c.property).join(", ")} }`, "ids");
    }
    let joined = "";
    columns.forEach((column, c) => {
      const id = column.read(row!);
      if (id === undefined || id === null) throw new InvalidQueryError(`row ${offset + r} has no ${column.property}; every row needs its whole primary key`, column.property);
      const text = String(checkId(plan.metadata, column.column, id));
      texts[c]![r] = column.column.type === "uuid" ? text.toLowerCase() : text;
      joined += `${texts[c]![r]}\u001f`;
    });
    const first = fromRows ? seen.get(joined) : undefined;
    if (first !== undefined) throw new InvalidQueryError(`rows ${first} and ${offset + r} have the same primary key`, "id");
    seen.set(joined, offset + r);
  }
  return texts;
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
