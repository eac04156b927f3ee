import type { StatementRecord } from "./analysis-scope";
import { parameterKey } from "./parameter-key";
import type { Slot, SlotRole } from "./statement-shape";

/** A group of statements one call path issued in a loop. @internal */
export interface NPlusOneGroup {
  records: StatementRecord[];
  /** The slot whose value changed from statement to statement (for the suggestion). */
  varyingColumn?: string;
  /** Whether the varying value is an IN-list / ANY array (a batch per iteration). */
  listLookup: boolean;
  /** Statement shapes the loop issues per iteration. */
  shapes: number;
}

/**
 * N+1: one call path issuing one statement shape with at least `threshold` distinct parameter sets.
 * Not N+1 (clean): statements that differ only in OFFSET/LIMIT or in range bounds under a LIMIT
 * (offset and keyset pagination), chunked reads whose IN-lists hold several keys each and never
 * overlap, multi-row INSERT batches, and the statements of one call of a unitwork operation tagged
 * as its own (bulk chunks, relation loading, pagination). @internal
 */
export function findNPlusOne(records: readonly StatementRecord[], threshold: number): NPlusOneGroup[] {
  // By shape first (cheap); call paths are read only for shapes repeated often enough.
  const shapes = new Map<string, StatementRecord[]>();
  for (const record of records) {
    if (record.opaque || record.shape.kind === "control" || record.shape.kind === "other") continue;
    if (record.shape.kind === "select" && record.shape.tables.length === 0) continue;
    let group = shapes.get(record.shape.fingerprint);
    if (!group) shapes.set(record.shape.fingerprint, (group = []));
    group.push(record);
  }
  const groups = new Map<string, StatementRecord[]>();
  for (const [fingerprint, shaped] of shapes) {
    if (shaped.length < threshold) continue;
    for (const record of shaped) {
      const key = `${fingerprint}\0${record.stack?.key || "?"}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push(record);
    }
  }
  // One loop issuing several shapes per iteration (a find with a join: ids, then rows) is one finding.
  const loops = new Map<string, NPlusOneGroup>();
  const found: NPlusOneGroup[] = [];
  for (const group of groups.values()) {
    if (group.length < threshold) continue;
    const verdict = classify(group, threshold);
    if (!verdict) continue;
    const path = group[0]!.stack?.key || undefined;
    const loop = path === undefined ? undefined : loops.get(path);
    if (loop) {
      loop.records.push(...verdict.records);
      loop.shapes++;
      continue;
    }
    if (path !== undefined) loops.set(path, verdict);
    found.push(verdict);
  }
  return found;
}

interface Execution {
  values: string;
  list: string[];
  windowed: string;
  /** Each value slot's value and column, in statement order. */
  slots: { value: string; column?: string }[];
  listColumn?: string;
}

function classify(group: StatementRecord[], threshold: number): NPlusOneGroup | undefined {
  // unitwork's own multi-statement operations (tagged) count once per call: their chunks and
  // relation queries are one operation; the same operation called in a loop is still a loop.
  if (group.some((r) => r.tag)) {
    const calls = new Set(group.map((r) => r.stack ?? r));
    if (calls.size < threshold) return undefined;
  }
  const distinct = new Map<string, StatementRecord>();
  for (const record of group) distinct.set(`${record.sql}\0${parameterKey(record.parameters)}`, record);
  if (distinct.size < threshold) return undefined;
  const executions = [...distinct.values()].map(execution);
  const varies = (pick: (e: Execution) => string) => new Set(executions.map(pick)).size > 1;
  const valuesVary = varies((e) => e.values);
  const listVaries = varies((e) => e.list.join("\u0001"));
  const first = group[0]!;
  if (!valuesVary && !listVaries) {
    // Only OFFSET/LIMIT or range bounds change: a pagination walk when the statement is limited.
    if (first.shape.hasLimit) return undefined;
    return { records: group, varyingColumn: varyingColumn(executions), listLookup: false, shapes: 1 };
  }
  if (valuesVary) {
    const batches = group.filter((r) => r.shape.valuesRows >= 2).length;
    if (first.shape.kind === "insert" && batches >= group.length - 1) return undefined;
    return { records: group, varyingColumn: varyingColumn(executions), listLookup: false, shapes: 1 };
  }
  // Only the IN-list / ANY array changes: chunked reads of disjoint key sets are a batch, not a loop.
  const multi = executions.filter((e) => e.list.length >= 2).length;
  if (multi >= executions.length - 1 && disjoint(executions)) return undefined;
  return { records: group, varyingColumn: executions[0]!.listColumn, listLookup: true, shapes: 1 };
}

/** The column of the first value that changes from statement to statement (`WHERE status = 'x' AND "authorId" = $2` → authorId). */
function varyingColumn(executions: Execution[]): string | undefined {
  const first = executions[0]!;
  for (let i = 0; i < first.slots.length; i++) {
    if (executions.some((e) => e.slots.length === first.slots.length && e.slots[i]!.value !== first.slots[i]!.value)) return first.slots[i]!.column;
  }
  return first.slots.find((s) => s.column)?.column ?? first.listColumn;
}

function disjoint(executions: Execution[]): boolean {
  const seen = new Set<string>();
  for (const e of executions) {
    for (const key of new Set(e.list)) {
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return true;
}

function execution(record: StatementRecord): Execution {
  const roles = paramRoles(record.shape.slots);
  const values: unknown[] = [];
  const list: string[] = [];
  const windowed: unknown[] = [];
  const valueSlots: { value: string; column?: string }[] = [];
  let listColumn: string | undefined;
  for (const slot of record.shape.slots) {
    const role = slot.param !== undefined ? roles.get(slot.param)! : slot.role;
    const value = slot.param !== undefined ? record.parameters[slot.param - 1] : slot.literal;
    if (role === "value") {
      values.push(value);
      valueSlots.push({ value: parameterKey(value), column: slot.column });
    } else if (role === "list") {
      if (Array.isArray(value)) for (const v of value) list.push(parameterKey(v));
      else list.push(parameterKey(value));
      listColumn ??= slot.column;
    } else {
      windowed.push(value);
    }
  }
  return { values: parameterKey(values), list, windowed: parameterKey(windowed), slots: valueSlots, listColumn };
}

const PRECEDENCE: Record<SlotRole, number> = { offset: 4, limit: 3, range: 2, list: 1, value: 0 };

/** A parameter used in several places takes its strongest role (keyset `a < $1 OR (a = $1 AND …)` is a range). */
function paramRoles(slots: readonly Slot[]): Map<number, SlotRole> {
  const roles = new Map<number, SlotRole>();
  for (const slot of slots) {
    if (slot.param === undefined) continue;
    const known = roles.get(slot.param);
    if (!known || PRECEDENCE[slot.role] > PRECEDENCE[known]) roles.set(slot.param, slot.role);
  }
  return roles;
}
