import { createUnitwork, type QueryAnalyzerOptions, type Unitwork } from "../../src";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { memoryLogger } from "../support/test-unitwork";
import { blogDataSource, seedBlog } from "./blog-schema";

/** A unitwork on a fresh, seeded blog database of its own, with a logger that keeps its entries. */
export interface BlogUnitwork {
  uw: Unitwork;
  logger: ReturnType<typeof memoryLogger>;
  db: TestDatabase;
  close(): Promise<void>;
}

export async function openBlogUnitwork(name: string, analyzer: QueryAnalyzerOptions): Promise<BlogUnitwork> {
  const db = await createTestDatabase(name);
  const logger = memoryLogger();
  const uw = await createUnitwork({ dataSource: blogDataSource(db.url), logger, analyzer });
  await seedBlog(uw.dataSource);
  return {
    uw,
    logger,
    db,
    async close() {
      await uw.close();
      await db.drop();
    },
  };
}
