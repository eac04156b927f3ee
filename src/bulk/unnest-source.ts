import type { EntityPlan } from "./entity-plan";
import type { PreparedColumn } from "./prepared-columns";
import { arrayLiteral, booleanArrayLiteral } from "./sql-text";

/**
 * Builds `unnest($1::type[], $2::boolean[], …) AS u(c0, s0, …)`: one bind parameter per column (plus
 * one "is set" mask for columns only some rows set), so no row count nears the parameter limit. @internal
 */
export class UnnestSource {
  readonly parameters: unknown[] = [];
  private readonly casts: string[] = [];
  private readonly aliases: string[] = [];

  /** Adds one array parameter as column `alias` of `u`; returns `u.alias`. */
  add(texts: readonly (string | null)[], arrayType: string, alias: string): string {
    this.parameters.push(arrayLiteral(texts as (string | null)[]));
    this.casts.push(`$${this.parameters.length}::${arrayType}`);
    this.aliases.push(alias);
    return `u.${alias}`;
  }

  /**
   * Adds a prepared column; returns the expression of its value per row: the row's value, or
   * `otherwise` (the column default, the row's current value) where the row leaves it unset.
   */
  addColumn(column: PreparedColumn, index: number, otherwise: string): string {
    const value = `${this.add(column.texts, column.plan.arrayType, `c${index}`)}${column.plan.elementCast}`;
    if (!column.set) return value;
    this.parameters.push(booleanArrayLiteral(column.set));
    this.casts.push(`$${this.parameters.length}::boolean[]`);
    this.aliases.push(`s${index}`);
    return `CASE WHEN u.s${index} THEN ${value} ELSE ${otherwise} END`;
  }

  /**
   * The target columns and SELECT list of an `INSERT … SELECT` from this source: the prepared
   * columns (a row's unset value takes the column default), then the maintained columns' fixed
   * values as scalar parameters after the arrays.
   */
  insertList(columns: readonly PreparedColumn[], fixed: EntityPlan["insertFixed"]): { targets: string[]; select: string[] } {
    const targets = columns.map((column) => column.plan.quoted);
    const select = columns.map((column, i) => this.addColumn(column, i, column.plan.defaultSql));
    for (const { plan, text } of fixed) {
      this.parameters.push(text());
      targets.push(plan.quoted);
      select.push(`$${this.parameters.length}::${plan.type}`);
    }
    return { targets, select };
  }

  get from(): string {
    return `unnest(${this.casts.join(", ")}) AS u(${this.aliases.join(", ")})`;
  }
}
