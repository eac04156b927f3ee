import { createHash } from "node:crypto";

/** Where a value sits in a statement: what the N+1 rule needs to tell loops from pagination and batches. @internal */
export type SlotRole = "value" | "list" | "range" | "limit" | "offset";

/** One bound parameter (`param`, 1-based) or literal (`literal`, its text) of a statement. @internal */
export interface Slot {
  role: SlotRole;
  param?: number;
  literal?: string;
  /** The column it is compared with, when it is `column <op> value`. */
  column?: string;
}

/** What the analyzer knows about one SQL text; computed once per distinct text. @internal */
export interface StatementShape {
  fingerprint: string;
  kind: "select" | "insert" | "update" | "delete" | "control" | "other";
  /** Tables read (FROM, JOIN, subqueries). */
  tables: string[];
  /** The table an INSERT/UPDATE/DELETE writes. */
  target?: string;
  /** The first table of the outermost FROM (the entity a SELECT loads). */
  mainTable?: string;
  slots: Slot[];
  hasLimit: boolean;
  /** Rows of a VALUES list (INSERT … VALUES (…), (…)). */
  valuesRows: number;
}

type Parser = Pick<typeof import("libpg-query"), "parseSync" | "fingerprintSync">;

let loading: Promise<void> | undefined;
let parser: Parser | undefined;

/** Whether the PostgreSQL parser has been loaded in this process. @internal */
export function isStatementParserLoaded(): boolean {
  return parser !== undefined;
}

/** Loads the PostgreSQL parser (WebAssembly) once per process. @internal */
export function loadStatementParser(): Promise<void> {
  // Required here, not imported at the top: the module instantiates its WebAssembly (about 10 MB) when loaded.
  loading ??= Promise.resolve().then(async () => {
    const lib = require("libpg-query") as typeof import("libpg-query");
    await lib.loadModule();
    parser = lib;
  });
  return loading;
}

const CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|SET\s+TRANSACTION|SET\s+LOCAL|SET\s+SESSION\s+CHARACTERISTICS|ABORT|PREPARE\s+TRANSACTION|COMMIT\s+PREPARED|ROLLBACK\s+PREPARED)\b/i;
const cache = new Map<string, StatementShape>();
const MAX_CACHE = 5000;

/** Transaction control statements are never findings and never counted. @internal */
export function isTransactionControl(sql: string): boolean {
  return CONTROL.test(sql);
}

/** The shape of a statement, cached by SQL text (the text of one shape repeats: the hot path is a lookup). @internal */
export function statementShape(sql: string): StatementShape {
  let shape = cache.get(sql);
  if (!shape) {
    shape = computeShape(sql);
    // before the parser is loaded (an "off" analyzer switched on) the fallback shape is not kept
    if (!parser) return shape;
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(sql, shape);
  }
  return shape;
}

function computeShape(sql: string): StatementShape {
  if (isTransactionControl(sql)) return { fingerprint: fallbackFingerprint(sql), kind: "control", tables: [], slots: [], hasLimit: false, valuesRows: 0 };
  if (!parser) return unparsed(sql);
  let tree: { stmts?: { stmt: Record<string, unknown> }[] };
  let fingerprint: string;
  try {
    tree = parser.parseSync(sql) as never;
    fingerprint = parser.fingerprintSync(sql);
  } catch {
    return unparsed(sql);
  }
  const stmt = tree.stmts?.[0]?.stmt ?? {};
  const type = Object.keys(stmt)[0] ?? "";
  const body = (stmt[type] ?? {}) as Record<string, unknown>;
  const shape: StatementShape = { fingerprint, kind: kindOf(type), tables: [], slots: [], hasLimit: false, valuesRows: 0 };
  if (shape.kind === "insert" || shape.kind === "update" || shape.kind === "delete") {
    shape.target = (body.relation as { relname?: string } | undefined)?.relname;
  }
  if (type === "SelectStmt") {
    shape.hasLimit = body.limitCount !== undefined;
    shape.mainTable = firstTable(body.fromClause);
  }
  if (type === "InsertStmt") {
    const select = (body.selectStmt as { SelectStmt?: { valuesLists?: unknown[] } } | undefined)?.SelectStmt;
    shape.valuesRows = select?.valuesLists?.length ?? 0;
  }
  const tables = new Set<string>();
  walk(stmt, "value", undefined, shape.slots, tables);
  if (shape.target) tables.delete(shape.target);
  shape.tables = [...tables];
  return shape;
}

function kindOf(type: string): StatementShape["kind"] {
  switch (type) {
    case "SelectStmt":
      return "select";
    case "InsertStmt":
      return "insert";
    case "UpdateStmt":
      return "update";
    case "DeleteStmt":
      return "delete";
    case "TransactionStmt":
      return "control";
    default:
      return "other";
  }
}

function unparsed(sql: string): StatementShape {
  return { fingerprint: fallbackFingerprint(sql), kind: "other", tables: [], slots: [], hasLimit: false, valuesRows: 0 };
}

function fallbackFingerprint(sql: string): string {
  return createHash("sha1").update(sql.replace(/\s+/g, " ").trim()).digest("hex").slice(0, 16);
}

function firstTable(from: unknown): string | undefined {
  if (!Array.isArray(from) || from.length === 0) return undefined;
  let node = from[0] as Record<string, unknown>;
  for (let i = 0; i < 20 && node; i++) {
    if (node.RangeVar) return (node.RangeVar as { relname: string }).relname;
    if (node.JoinExpr) node = (node.JoinExpr as { larg: Record<string, unknown> }).larg;
    else return undefined;
  }
  return undefined;
}

const RANGE_OPS = new Set(["<", ">", "<=", ">="]);

function walk(node: unknown, role: SlotRole, column: string | undefined, slots: Slot[], tables: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, role, column, slots, tables);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  for (const key in obj) {
    const value = obj[key];
    switch (key) {
      case "ParamRef":
        slots.push({ role, param: (value as { number: number }).number, column });
        continue;
      case "A_Const":
        slots.push({ role, literal: literalText(value as Record<string, unknown>), column });
        continue;
      case "RangeVar":
        tables.add((value as { relname: string }).relname);
        continue;
      case "limitCount":
        walk(value, "limit", undefined, slots, tables);
        continue;
      case "limitOffset":
        walk(value, "offset", undefined, slots, tables);
        continue;
      case "A_Expr":
        walkExpr(value as Record<string, unknown>, role, slots, tables);
        continue;
      case "location":
        continue;
      default:
        walk(value, role, column, slots, tables);
    }
  }
}

function walkExpr(expr: Record<string, unknown>, role: SlotRole, slots: Slot[], tables: Set<string>): void {
  const op = ((expr.name as { String?: { sval?: string } }[] | undefined)?.[0]?.String?.sval) ?? "";
  const kind = expr.kind as string;
  const column = columnName(expr.lexpr) ?? columnName(expr.rexpr);
  let inner: SlotRole = role;
  if (kind === "AEXPR_IN" || kind === "AEXPR_OP_ANY" || kind === "AEXPR_OP_ALL") inner = "list";
  else if (kind === "AEXPR_BETWEEN" || kind === "AEXPR_NOT_BETWEEN" || (kind === "AEXPR_OP" && RANGE_OPS.has(op))) inner = "range";
  else if (role === "limit" || role === "offset") inner = role;
  // A range inside an OR/AND (keyset conditions) keeps its range role for every operand.
  if (role === "range" && inner === "value") inner = "range";
  walk(expr.lexpr, inner, column, slots, tables);
  walk(expr.rexpr, inner, column, slots, tables);
}

function columnName(node: unknown): string | undefined {
  const fields = (node as { ColumnRef?: { fields?: { String?: { sval?: string } }[] } } | undefined)?.ColumnRef?.fields;
  if (!fields?.length) {
    // (col)::type = …
    const cast = (node as { TypeCast?: { arg?: unknown } } | undefined)?.TypeCast;
    return cast ? columnName(cast.arg) : undefined;
  }
  return fields[fields.length - 1]?.String?.sval;
}

function literalText(value: Record<string, unknown>): string {
  const { location: _location, ...rest } = value;
  return JSON.stringify(rest);
}
