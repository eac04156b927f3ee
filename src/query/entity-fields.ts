import type { EntityMetadata, RelationMetadata } from "typeorm";
import type { ColumnMetadata } from "./column-metadata";
import { InvalidQueryError } from "../errors";

/**
 * The keys a query may name on one entity: its columns by property name (an embedded column by its
 * dotted path, `counters.likes`) and its relations by property name; `embeddeds` holds the embedded
 * objects' paths (`counters`, `address.stats`), which filters and sorts nest into. Looked up in
 * `Map`s, so `__proto__`, `constructor` and friends never resolve to anything. @internal
 */
export interface EntityFields {
  readonly metadata: EntityMetadata;
  readonly columns: ReadonlyMap<string, ColumnMetadata>;
  readonly relations: ReadonlyMap<string, RelationMetadata>;
  readonly embeddeds: ReadonlySet<string>;
}

const cache = new WeakMap<EntityMetadata, EntityFields>();

/** The queryable columns and relations of an entity (cached per metadata). @internal */
export function entityFields(metadata: EntityMetadata): EntityFields {
  let fields = cache.get(metadata);
  if (!fields) {
    const relations = new Map(metadata.relations.filter((r) => !r.embeddedMetadata).map((r) => [r.propertyName, r]));
    const columns = new Map(
      metadata.columns
        .filter((c) => (c.embeddedMetadata ? !c.relationMetadata : !relations.has(c.propertyName)))
        .map((c) => [c.embeddedMetadata ? c.propertyPath : c.propertyName, c]),
    );
    const embeddeds = new Set(metadata.allEmbeddeds.map((e) => e.propertyPath));
    fields = { metadata, columns, relations, embeddeds };
    cache.set(metadata, fields);
  }
  return fields;
}

/** The column `key` of the entity, or `InvalidQueryError` naming the allowed ones. @internal */
export function requireColumn(metadata: EntityMetadata, key: string, what: string): ColumnMetadata {
  const fields = entityFields(metadata);
  const column = fields.columns.get(key);
  if (!column) throw unknownKey(metadata, key, what, [...fields.columns.keys()]);
  return column;
}

/** An `InvalidQueryError` for a key that names nothing queryable. @internal */
export function unknownKey(metadata: EntityMetadata, key: string, what: string, allowed: readonly string[]): InvalidQueryError {
  return new InvalidQueryError(`unknown ${what} ${printable(key)} on ${metadata.name}`, key, allowed);
}

/** A key as it can be shown in a message (quoted, control characters escaped, shortened). @internal */
export function printable(key: unknown): string {
  const text = JSON.stringify(typeof key === "string" ? key : String(key)) ?? String(key);
  return text.length > 80 ? `${text.slice(0, 77)}…"` : text;
}

/** `true` for `{}` literals and `Object.create(null)`: the only objects a query may be made of. @internal */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
