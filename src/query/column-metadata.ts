import type { EntityMetadata } from "typeorm";

/**
 * TypeORM's column metadata, named through the package root: TypeORM does not export the class
 * from `typeorm`, and a deep import (`typeorm/metadata/ColumnMetadata`) breaks the emitted types
 * under `moduleResolution` bundler/node16.
 */
export type ColumnMetadata = EntityMetadata["columns"][number];
