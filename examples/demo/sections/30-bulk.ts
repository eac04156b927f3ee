import { FunctionEntity, FunctionLog, LogLevel, User } from "../../domain";
import { ValidationError } from "../../../src";
import type { TourSection } from "../tour-kit";

/**
 * Bulk: 20,000 log lines from an async generator through COPY with ids reserved up front, a per-row
 * bulkUpdate, an upsert with exact counts, and one bad row refused with its index and nothing written.
 */
const section: TourSection = async (tour) => {
  const { uw } = tour;
  tour.heading("Bulk: COPY-speed inserts, set-based updates and upserts");

  const { functionId, userId } = await uw.unitOfWork.run(async (ctx) => {
    const user = await ctx.repository(User).create({ email: "bulk-demo@tour.dev" });
    const fn = await ctx.repository(FunctionEntity).create({ userId: user.id, name: "bulk-demo" });
    return { functionId: fn.id, userId: user.id };
  });
  const logs = uw.repositories.create(FunctionLog);

  async function* lines(n: number) {
    for (let i = 0; i < n; i++) yield { functionId, level: i % 10 ? LogLevel.Info : LogLevel.Warn, message: `request ${i} served`, metadata: { i } };
  }
  const progress: number[] = [];
  const started = performance.now();
  const inserted = await logs.bulkInsert(lines(20_000), { onProgress: (done) => progress.push(done) });
  const seconds = (performance.now() - started) / 1000;
  tour.say(`bulkInsert streamed ${inserted.count.toLocaleString("en-US")} rows from an async generator in ${seconds.toFixed(2)} s (COPY, ${progress.length} chunks, progress ${progress.slice(0, 3).join(", ")} …)`);
  const first = await logs.getByIdOrFail(inserted.ids![0]!);
  const last = await logs.getByIdOrFail(inserted.ids![19_999]!);
  tour.show("ids[i] belongs to rows[i] (read back)", { [String(first.id)]: first.message, [String(last.id)]: last.message });
  tour.say(`rows in the table for this function: ${(await logs.count({ functionId })).toLocaleString("en-US")}`);

  const updated = await logs.bulkUpdate(inserted.ids!.slice(0, 1_000).map((id, i) => ({ id: id as string, message: `request ${i} retried`, level: i % 2 ? LogLevel.Error : undefined })));
  tour.say(`bulkUpdate: ${updated.count} rows, each with its own message; level only where the row sets it (error on ${await logs.count({ functionId, level: LogLevel.Error })} rows)`);

  const fns = uw.repositories.create(FunctionEntity);
  await fns.bulkInsert([{ userId, name: "bulk-a" }, { userId, name: "bulk-b" }]);
  const upserted = await fns.bulkUpsert(
    ["bulk-a", "bulk-b", "bulk-c", "bulk-d"].map((name) => ({ userId, name, runtime: "node" })),
    { conflictPaths: ["userId", "name"] },
  );
  tour.show("bulkUpsert on (userId, name), counted with xmax = 0", upserted);

  const bad = Array.from({ length: 5_000 }, (_, i) => ({ functionId, level: i === 3_210 ? ("fatal" as LogLevel) : LogLevel.Debug, message: `doomed ${i}` }));
  try {
    await logs.bulkInsert(bad);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const [issue] = error.issues;
    tour.say(`one bad row refused before any SQL: ${error.constructor.name}, row ${issue?.row} (${issue?.property}); rows written: ${await logs.count({ functionId, message: { startsWith: "doomed" } })}`);
  }
};

export default section;
