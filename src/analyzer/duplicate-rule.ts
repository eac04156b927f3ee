import type { StatementRecord } from "./analysis-scope";
import { parameterKey } from "./parameter-key";

/** One statement run again with the same parameters while its tables did not change. @internal */
export interface DuplicateGroup {
  /** Every execution of the statement counted in the finding (the first and its repeats). */
  records: StatementRecord[];
}

/**
 * Duplicate: the same SELECT with the same parameters repeated in a scope with no write to any table
 * it reads in between (a write, or a statement the analyzer cannot classify, starts a new count).
 * Reads without tables (`SELECT now()`, sequences) never count: their answer may change. @internal
 */
export function findDuplicates(records: readonly StatementRecord[]): DuplicateGroup[] {
  const versions = new Map<string, number>();
  let everything = 0;
  const seen = new Map<string, { version: string; run: StatementRecord[] }>();
  const found = new Map<string, StatementRecord[]>();
  const transactions = new Map<object, number>();
  for (const record of records) {
    const { shape } = record;
    if (shape.kind === "control" || !record.success) continue;
    if (shape.kind === "insert" || shape.kind === "update" || shape.kind === "delete") {
      if (shape.target) versions.set(shape.target, (versions.get(shape.target) ?? 0) + 1);
      else everything++;
      continue;
    }
    if (shape.kind === "other") {
      everything++;
      continue;
    }
    if (record.tag || record.opaque || shape.tables.length === 0) continue;
    const version = `${everything}:${shape.tables.map((t) => versions.get(t) ?? 0).join(",")}`;
    // Two transactions each read for themselves (queue workers, concurrent requests): never each other's duplicate.
    const key = `${transactionId(record.transaction)}\0${record.sql}\0${parameterKey(record.parameters)}`;
    const previous = seen.get(key);
    if (previous && previous.version === version) {
      previous.run.push(record);
      let all = found.get(key);
      if (!all) found.set(key, (all = []));
      if (previous.run.length === 2) all.push(previous.run[0]!);
      all.push(record);
    } else {
      seen.set(key, { version, run: [record] });
    }
  }
  return [...found.values()].map((records) => ({ records }));

  function transactionId(transaction: object | undefined): number {
    if (!transaction) return 0;
    let id = transactions.get(transaction);
    if (id === undefined) transactions.set(transaction, (id = transactions.size + 1));
    return id;
  }
}
