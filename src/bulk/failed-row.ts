import { DatabaseError } from "../errors";

/** What a failed statement wrote, so the failing row can be found from PostgreSQL's error. @internal */
export interface RowLocator {
  /** Index (in the whole call) of the statement's first row. */
  offset: number;
  /** Texts per column (database name) of the statement's rows, in input order. */
  columns: ReadonlyMap<string, readonly (string | null)[]>;
  /** Database name of the primary key, when its values are in `columns`. */
  primaryKey?: string;
  /** 0-based position of the primary key in the table (the order of "Failing row contains"). */
  primaryKeyPosition?: number;
}

interface PgErrorFields {
  where?: unknown;
  detail?: unknown;
  code?: unknown;
}

/**
 * Where PostgreSQL says which row of a statement failed (COPY's line number, the failing row's key,
 * `Key (…)=(…)`), sets `rowIndex` on the already translated error and names the row in its
 * message. `original` is the error as the driver threw it. @internal
 */
export function nameFailedRow(translated: unknown, original: unknown, locator?: RowLocator): unknown {
  if (!locator || !(translated instanceof DatabaseError) || translated.rowIndex !== undefined) return translated;
  const driver = ((original as { driverError?: unknown }).driverError ?? original) as PgErrorFields;
  const local = locateRow(driver, locator);
  if (local !== undefined) {
    translated.rowIndex = locator.offset + local;
    translated.message = `${translated.message} (row ${translated.rowIndex})`;
  }
  return translated;
}

function locateRow(driver: PgErrorFields, locator: RowLocator): number | undefined {
  const where = typeof driver.where === "string" ? /\bCOPY [^,]+, line (\d+)/.exec(driver.where) : null;
  if (where) return Number(where[1]) - 1;
  const detail = typeof driver.detail === "string" ? driver.detail : "";
  const failing = /^Failing row contains \((.*)\)\.$/s.exec(detail);
  if (failing && locator.primaryKey !== undefined && locator.primaryKeyPosition !== undefined) {
    const value = failing[1]!.split(", ")[locator.primaryKeyPosition];
    const keys = locator.columns.get(locator.primaryKey);
    const index = value === undefined || !keys ? -1 : keys.indexOf(value);
    if (index >= 0) return index;
  }
  const key = /^Key \((.+?)\)=\((.*)\) (?:already exists|is not present|conflicts)/s.exec(detail);
  if (key) {
    const names = key[1]!.split(", ").map((n) => n.replace(/^"|"$/g, ""));
    const values = names.length === 1 ? [key[2]!] : key[2]!.split(", ");
    const texts = names.map((n) => locator.columns.get(n));
    if (values.length !== names.length || texts.some((t) => !t)) return undefined;
    const matches: number[] = [];
    const size = texts[0]!.length;
    for (let row = 0; row < size && matches.length < 2; row++) {
      if (names.every((_, c) => sameText(texts[c]![row], values[c]!))) matches.push(row);
    }
    // A unique key repeated inside the statement fails on its second occurrence.
    if (matches.length) return driver.code === "23505" && matches.length > 1 ? matches[1] : matches[0];
  }
  return undefined;
}

function sameText(text: string | null | undefined, reported: string): boolean {
  return text !== null && text !== undefined && (text === reported || text.toLowerCase() === reported.toLowerCase());
}
