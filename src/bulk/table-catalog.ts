import type { EntityManager, EntityMetadata } from "typeorm";
import { InvalidConfigError } from "../errors";
import { tableRef } from "../query";

/** One column of a table as PostgreSQL sees it. @internal */
export interface CatalogColumn {
  name: string;
  /** 0-based position among the table's live columns (the order of "Failing row contains (…)"). */
  position: number;
  /** The type without modifiers (`character varying`, `function_status`), safe for `$1::type[]` casts. */
  type: string;
  /** The default expression (`nextval('…'::regclass)`, `now()`, `'user'::user_role`), or `null`. */
  defaultExpression: string | null;
  /** `a` for GENERATED ALWAYS AS IDENTITY, `d` for BY DEFAULT, `""` otherwise. */
  identity: string;
  /** `s` for a stored generated column. */
  generated: string;
  /** The sequence behind a serial or identity column, if any. */
  sequence: string | null;
}

/** The live shape of an entity's table, read once per table and cached by the engine. @internal */
export interface TableCatalog {
  /** `"schema"."table"` or `"table"`, quoted. */
  table: string;
  columns: Map<string, CatalogColumn>;
}

const SQL = `
SELECT a.attname AS name,
       (row_number() OVER (ORDER BY a.attnum) - 1)::int AS position,
       format_type(a.atttypid, NULL) AS type,
       pg_get_expr(d.adbin, d.adrelid) AS "defaultExpression",
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       pg_get_serial_sequence($1, a.attname) AS sequence
  FROM pg_attribute a
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`;

/** Reads the table of `metadata` from the PostgreSQL catalog. @internal */
export async function readTableCatalog(manager: EntityManager, metadata: EntityMetadata): Promise<TableCatalog> {
  const table = tableRef(metadata);
  const rows = (await manager.query(SQL, [table])) as CatalogColumn[];
  if (rows.length === 0) throw new InvalidConfigError(`table ${table} of ${metadata.name} has no columns (does it exist?)`);
  return { table, columns: new Map(rows.map((row) => [row.name, row])) };
}
