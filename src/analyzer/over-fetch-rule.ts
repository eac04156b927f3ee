import { createHash } from "node:crypto";
import type { Finding } from "./analysis-report";
import type { StatementRecord } from "./analysis-scope";
import type { LoadedRelation, RelationLoad } from "./relation-load";
import { formatFrame } from "./source-position";

/** How far back from the end of a read its loading statement is looked for. */
const LOOK_BACK = 40;

interface Group {
  load: RelationLoad;
  relation: LoadedRelation;
  loads: number;
  parents: number;
  rows: number;
  read: boolean;
  statements: StatementRecord[];
}

/**
 * The over-fetching findings of a scope: relations of its reads that nothing read before it ended.
 * Reads are grouped by call path and relation path: a group is a finding only when none of its reads'
 * relations was read (a loop that reads it in some iterations needs it). A nested relation is judged
 * only on reads whose parent relation was read (an unread parent is the finding). @internal
 */
export function findOverFetching(loads: readonly RelationLoad[], records: readonly StatementRecord[]): Finding[] {
  const groups = new Map<string, Group>();
  const visit = (load: RelationLoad, relation: LoadedRelation) => {
    if (relation.parents === 0) return;
    const key = `${load.stack.key}\0${relation.relation.entityMetadata.name}\0${relation.path}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { load, relation, loads: 0, parents: 0, rows: 0, read: false, statements: [] }));
    group.loads++;
    group.parents += relation.parents;
    group.rows += relation.rows;
    group.read ||= relation.read;
    const statement = loadingStatement(load, relation, records);
    if (statement && !group.statements.includes(statement)) group.statements.push(statement);
    if (relation.read) for (const child of relation.children) visit(load, child);
  };
  for (const load of loads) for (const relation of load.relations) visit(load, relation);
  return [...groups.values()].filter((g) => !g.read).map(toFinding);
}

/** The statement that loaded the relation: the latest SELECT on its table among the read's own statements. */
function loadingStatement(load: RelationLoad, relation: LoadedRelation, records: readonly StatementRecord[]): StatementRecord | undefined {
  const table = relation.relation.inverseEntityMetadata.tableName;
  for (let i = Math.min(load.statementsBefore, records.length) - 1; i >= Math.max(0, load.statementsBefore - LOOK_BACK); i--) {
    const record = records[i]!;
    if (record.shape.kind === "select" && record.shape.tables.includes(table)) return record;
  }
  return undefined;
}

function toFinding(group: Group): Finding {
  const { load, relation } = group;
  const owner = relation.relation.entityMetadata.name;
  const related = relation.relation.inverseEntityMetadata.name;
  const property = relation.relation.propertyName;
  const frames = load.stack.frames;
  const sample = group.statements[0];
  const times = group.loads > 1 ? ` in ${group.loads} calls` : "";
  const loaded = `${load.operation} loaded ${owner}.${property}${times} (${group.rows} ${related} row${group.rows === 1 ? "" : "s"} for ${group.parents} ${owner} row${group.parents === 1 ? "" : "s"}) and nothing read it before the scope ended`;
  const fix = relation.relation.isEager
    ? `${owner}.${property} is eager ({ eager: true }), so every read of ${owner} loads it: drop eager and ask for it with \`relations\` where it is read`
    : relation.path.includes(".")
      ? `drop "${relation.path}" from its \`relations\` (keep "${relation.path.slice(0, relation.path.lastIndexOf("."))}")`
      : `drop "${property}" from its \`relations\``;
  return {
    kind: "over-fetching",
    fingerprint: sample?.shape.fingerprint ?? createHash("sha256").update(`over-fetching ${owner}.${relation.path}`).digest("hex").slice(0, 16),
    count: group.loads,
    callSite: frames[0] ? formatFrame(frames[0]) : "unknown",
    stack: frames.map(formatFrame),
    sql: sample?.sql ?? "",
    parameters: sample?.parameters ?? [],
    server: sample?.server ?? "primary",
    suggestion: `${loaded}: ${fix}.`,
    entity: owner,
    relation: property,
    durationMs: group.statements.reduce((sum, r) => sum + r.durationMs, 0),
  };
}
