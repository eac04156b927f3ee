import type { DataSource, EntityMetadata, RelationMetadata } from "typeorm";
import type { StatementRecord } from "./analysis-scope";

/** What a finding tells the user to change. @internal */
export interface Hint {
  suggestion: string;
  entity?: string;
  relation?: string;
}

/**
 * The fix for an N+1 group, naming the entity and relation when the statement loads one: the
 * statement's main table and the column its changing value is compared with are matched against
 * the DataSource's entity metadata. `earlier` are the tables the scope read before the loop (they
 * tell which of several relations pointing at a table the loop follows). @internal
 */
export function nPlusOneHint(dataSource: DataSource, group: { records: StatementRecord[]; varyingColumn?: string; listLookup: boolean }, earlier: ReadonlySet<string>): Hint {
  const { shape } = group.records[0]!;
  const n = group.records.length;
  const table = shape.kind === "select" ? shape.mainTable : shape.target;
  const meta = table ? entityOf(dataSource, table) : undefined;
  const name = meta?.name ?? table ?? "the entity";
  switch (shape.kind) {
    case "insert":
      return { entity: meta?.name, suggestion: `${n} single-row INSERTs into ${name} from one loop: collect the rows and write them with one call, \`uw.repositories.create(${name}).bulkInsert(rows)\` (chunked set-based INSERT).` };
    case "update":
      return { entity: meta?.name, suggestion: `${n} UPDATEs of ${name} from one loop: collect the changes and call \`uw.repositories.create(${name}).bulkUpdate(rows)\` (each row with its id), or one UPDATE … WHERE id = ANY($1) when the values are the same.` };
    case "delete":
      return { entity: meta?.name, suggestion: `${n} DELETEs from ${name} from one loop: collect the ids and call \`uw.repositories.create(${name}).bulkDelete(ids)\`.` };
  }
  if (!meta) return { suggestion: `${n} queries of one shape from one loop: fetch all keys with one query (\`WHERE … = ANY($1)\`) and match the rows in memory.` };
  const column = group.varyingColumn;
  const owning = column ? meta.manyToOneRelations.concat(meta.oneToOneRelations).find((r) => r.joinColumns.some((c) => c.databaseName === column)) : undefined;
  if (owning) {
    const parent = owning.inverseEntityMetadata;
    const inverse = owning.inverseRelation;
    if (inverse) {
      return {
        entity: parent.name,
        relation: inverse.propertyName,
        suggestion: `${n} queries load ${meta.name} rows one ${parent.name} at a time (${parent.name}.${inverse.propertyName}): load them with the parents, \`relations: { ${inverse.propertyName}: true }\`, or for rows already loaded \`uw.repositories.create(${parent.name}).loadRelations(${plural(parent.name)}, { ${inverse.propertyName}: true })\`.`,
      };
    }
    return {
      entity: meta.name,
      relation: owning.propertyName,
      suggestion: `${n} queries load ${meta.name} rows one ${parent.name} at a time: load them in one query, \`findMany({ where: { ${owning.propertyName}: { ${primaryProperty(parent)}: { in: ids } } } })\`, and group them in memory.`,
    };
  }
  const isPrimary = column !== undefined && meta.primaryColumns.some((c) => c.databaseName === column);
  if (isPrimary) {
    const candidates = pointingAt(dataSource, meta);
    const preferred = candidates.filter((r) => earlier.has(r.entityMetadata.tableName));
    const chosen = preferred[0] ?? candidates[0];
    if (chosen && (preferred.length === 1 || candidates.length === 1)) {
      const owner = chosen.entityMetadata.name;
      return {
        entity: owner,
        relation: chosen.propertyName,
        suggestion: `${n} queries load ${meta.name} by id one at a time (${owner}.${chosen.propertyName}): load the relation with the ${owner} rows, \`relations: { ${chosen.propertyName}: true }\`, or for rows already loaded \`uw.repositories.create(${owner}).loadRelations(${plural(owner)}, { ${chosen.propertyName}: true })\`.`,
      };
    }
    const named = candidates.map((r) => `${r.entityMetadata.name}.${r.propertyName}`).join(" or ");
    return {
      entity: meta.name,
      suggestion: `${n} queries load ${meta.name} by id one at a time: load them in one query, \`findMany({ where: { ${primaryProperty(meta)}: { in: ids } } })\`${named ? `, or load the relation (${named}) with \`relations\` / \`loadRelations\`` : ""}.`,
    };
  }
  const property = column ? meta.findColumnWithDatabaseName(column)?.propertyName ?? column : undefined;
  if (group.listLookup) {
    return { entity: meta.name, suggestion: `${n} IN-list queries on ${meta.name} from one loop, with overlapping keys: collect the keys of all iterations and query once${property ? `, \`where: { ${property}: { in: keys } }\`` : ""}.` };
  }
  return {
    entity: meta.name,
    suggestion: `${n} queries on ${meta.name} from one loop, one per ${property ?? "value"}: load them in one query${property ? `, \`findMany({ where: { ${property}: { in: values } } })\`,` : ""} and match the rows in memory.`,
  };
}

export function entityOf(dataSource: DataSource, table: string): EntityMetadata | undefined {
  return dataSource.entityMetadatas.find((m) => m.tableName === table);
}

function pointingAt(dataSource: DataSource, target: EntityMetadata): RelationMetadata[] {
  const found: RelationMetadata[] = [];
  for (const meta of dataSource.entityMetadatas) {
    for (const relation of meta.relations) {
      if ((relation.isManyToOne || relation.isOneToOneOwner) && relation.inverseEntityMetadata === target) found.push(relation);
    }
  }
  return found;
}

function primaryProperty(meta: EntityMetadata): string {
  return meta.primaryColumns[0]?.propertyName ?? "id";
}

function plural(name: string): string {
  const camel = name.charAt(0).toLowerCase() + name.slice(1);
  return camel.endsWith("s") ? `${camel}es` : camel.endsWith("y") ? `${camel.slice(0, -1)}ies` : `${camel}s`;
}
