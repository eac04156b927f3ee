import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { UnsupportedMappingError, ValidationError, type ValidationIssue } from "../errors";
import type { ColumnPlan, EntityPlan } from "./entity-plan";
import { validationIssues } from "../repository/entity-validator";
import { foreignKeyConflicts } from "../repository/writable-input";

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
 * Checks every key of every row against the keys the operation accepts (the issues name the row and
 * why the key is refused), refuses function values (TypeORM would run them as SQL) and a relation
 * object beside its own foreign-key column with another value. @internal
 */
export function checkRowKeys(plan: EntityPlan, rows: readonly unknown[], offset: number, allowed: ReadonlySet<string>, refusal: (key: string) => string): void {
  if (plan.toMany.length) refuseToMany(plan, rows, offset);
  const issues: ValidationIssue[] = [];
  const pairs = plan.keyPairs.length ? plan.keyPairs : undefined;
  for (let r = 0; r < rows.length && issues.length < MAX_ISSUES; r++) {
    const row = rows[r];
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      issues.push({ row: offset + r, property: "(row)", value: row, constraints: { type: "each row must be an object" } });
      continue;
    }
    for (const key in row) {
      const value = (row as ObjectLiteral)[key];
      if (typeof value === "function") {
        // an instance's methods live on its prototype and are not enumerable: an enumerable function is input
        issues.push({ row: offset + r, property: key, value, constraints: { writable: `${key} is a function; unitwork never runs input as SQL` } });
        continue;
      }
      if (allowed.has(key) || value === undefined) continue;
      issues.push({ row: offset + r, property: key, value, constraints: { writable: refusal(key) } });
    }
    if (pairs) issues.push(...foreignKeyConflicts(plan.metadata, row as ObjectLiteral, pairs, offset + r));
  }
  if (issues.length) throw new ValidationError(plan.metadata.name, issues);
}

/**
 * Set-based writes fill the entity's own table only: a row that sets a to-many relation (join-table
 * rows of a many-to-many, the children's keys of a one-to-many) is refused, where TypeORM's insert()
 * would silently drop it.
 */
function refuseToMany(plan: EntityPlan, rows: readonly unknown[], offset: number): void {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as ObjectLiteral | null;
    if (row === null || typeof row !== "object") continue;
    for (const key of plan.toMany) {
      if (row[key] === undefined) continue;
      const relation = plan.metadata.relations.find((x) => x.propertyName === key)!;
      const kind = relation.isManyToMany ? "many-to-many" : "one-to-many";
      throw new UnsupportedMappingError(
        plan.metadata.name,
        `${kind} relation ${key}`,
        `bulk writes fill ${plan.metadata.tableName} only (row ${offset + r} sets ${key}); write it with create()/update(), or ${relation.isManyToMany ? "bulkInsert the join table's rows" : "set the children's relation in their own bulk call"}`,
      );
    }
  }
}

/** Runs the entity's class-validator rules on each row (what the row gives only). @internal */
export async function validateRows(plan: EntityPlan, rows: readonly ObjectLiteral[], offset: number, mode: "create" | "update"): Promise<void> {
  if (!plan.rules) return;
  const issues: ValidationIssue[] = [];
  for (let r = 0; r < rows.length && issues.length < MAX_ISSUES; r++) {
    for (const issue of await validationIssues(plan.metadata, rows[r]!, mode)) issues.push({ ...issue, row: offset + r });
  }
  if (issues.length) throw new ValidationError(plan.metadata.name, issues);
}
