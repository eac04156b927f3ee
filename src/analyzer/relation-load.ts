import type { RelationMetadata } from "typeorm";
import type { ReadMark } from "./relation-read-trap";
import type { CapturedStack } from "./stack-frames";

/** A relations tree as a read loaded it (a repository's `RelationNode` fits). @internal */
export interface WatchedRelation {
  relation: RelationMetadata;
  children: readonly WatchedRelation[];
}

/** One relation of a relations tree, as one read loaded it, and whether anything read it since. @internal */
export interface LoadedRelation extends ReadMark {
  relation: RelationMetadata;
  /** Its path in the tree: `"author"`, `"comments.author"`. */
  path: string;
  /** Entities it was set on (and is watched on). */
  parents: number;
  /** Related entities loaded. */
  rows: number;
  children: LoadedRelation[];
}

/** One read that loaded relations (a repository `findMany`, `getById`, `paginate`, `loadRelations`, a TypeORM `find` …). @internal */
export interface RelationLoad {
  /** The method, e.g. `"findMany"` or `"find"`. */
  operation: string;
  /** The entity read. */
  entity: string;
  /** The application's call site of the read. */
  stack: CapturedStack;
  relations: LoadedRelation[];
  /** How many statements its scope had seen when it returned: its own statements are the last ones before. */
  statementsBefore: number;
}
