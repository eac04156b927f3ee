import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { ValidationError, type ValidationIssue } from "../errors";
import type { ColumnPlan } from "./entity-plan";

/** One column of a chunk, rendered as PostgreSQL text. @internal */
export interface PreparedColumn {
  plan: ColumnPlan;
  texts: (string | null)[];
  /** Which rows set the column; absent when every row does. */
  set?: boolean[];
}

const MAX_ISSUES = 100;

/**
 * Renders the given columns of a chunk of rows. Columns no row sets are left out (the database
 * default applies); for columns only some rows set, `set` says which. A value the column cannot hold
 * throws `ValidationError` naming the row. @internal
 */
export function prepareColumns(metadata: EntityMetadata, rows: readonly ObjectLiteral[], offset: number, columns: readonly ColumnPlan[]): PreparedColumn[] {
  const prepared: PreparedColumn[] = [];
  const issues: ValidationIssue[] = [];
  const size = rows.length;
  for (const plan of columns) {
    let texts: (string | null)[] | undefined;
    let set: boolean[] | undefined;
    for (let r = 0; r < size; r++) {
      const value = plan.read(rows[r]!);
      if (value === undefined) {
        if (!set) {
          set = new Array<boolean>(size).fill(true);
        }
        set[r] = false;
        continue;
      }
      texts ??= new Array<string | null>(size).fill(null);
      try {
        texts[r] = plan.toText(value);
      } catch (error) {
        if (issues.length < MAX_ISSUES) issues.push({ row: offset + r, property: plan.property, value, constraints: { type: (error as Error).message } });
      }
    }
    if (!texts) continue;
    prepared.push(set ? { plan, texts, set } : { plan, texts });
  }
  if (issues.length) throw new ValidationError(metadata.name, issues);
  return prepared;
}

/**
 * Checks every key of every row against the keys the operation accepts; the issues name the row and
 * why the key is refused. @internal
 */
export function checkRowKeys(metadata: EntityMetadata, rows: readonly unknown[], offset: number, allowed: ReadonlySet<string>, refusal: (key: string) => string): void {
  const issues: ValidationIssue[] = [];
  for (let r = 0; r < rows.length && issues.length < MAX_ISSUES; r++) {
    const row = rows[r];
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      issues.push({ row: offset + r, property: "(row)", value: row, constraints: { type: "each row must be an object" } });
      continue;
    }
    for (const key in row) {
      if (allowed.has(key)) continue;
      const value = (row as ObjectLiteral)[key];
      if (value === undefined || typeof value === "function") continue;
      issues.push({ row: offset + r, property: key, value, constraints: { writable: refusal(key) } });
    }
  }
  if (issues.length) throw new ValidationError(metadata.name, issues);
}
