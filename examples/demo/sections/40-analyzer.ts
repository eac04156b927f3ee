import { FunctionEntity, User } from "../../domain";
import type { TourSection } from "../tour-kit";

/**
 * The query analyzer: an N+1 flagged with its call site and fix, the fixed version running clean,
 * and a slow query with its plan summary and index advice. Creates its own data (analyzer-*@tour.dev).
 */
const section: TourSection = async (tour) => {
  const { uw } = tour;
  const saved = { ...uw.analyzer.options };
  // Findings are printed here rather than logged; explicit scopes report in every mode.
  uw.analyzer.configure({ mode: "off" });
  try {
    tour.heading("Query analyzer: N+1, the fix, and a slow query explained");
    await uw.unitOfWork.run(async (ctx) => {
      for (let i = 1; i <= 5; i++) {
        const owner = await ctx.repository(User).create({ email: `analyzer-${i}@tour.dev` });
        await ctx.repository(FunctionEntity).create({ userId: owner.id, name: `analyzer-fn-${i}`, runtime: "node" });
      }
    });
    const fns = uw.repositories.create(FunctionEntity);
    const users = uw.repositories.create(User);
    const where = { name: { startsWith: "analyzer-fn-" } };

    const naive = await uw.analyzer.scope("owners one by one", async () => {
      const list = await fns.findMany({ where, orderBy: "name" });
      for (const fn of list) await users.getById(fn.userId); // one query per function: an N+1
      return list.length;
    });
    tour.say(`loading ${naive.result} functions, then each owner with getById: ${naive.report.queryCount} statements`);
    for (const f of naive.report.findings) {
      tour.show(`finding "${f.kind}" x${f.count}`, { callSite: f.callSite, entity: f.entity, relation: f.relation, suggestion: f.suggestion });
    }

    const fixed = await uw.analyzer.scope("owners loaded with the functions", async () => {
      const list = await fns.findMany({ where, orderBy: "name" });
      await fns.loadRelations(list, { user: true });
      return list.map((fn) => `${fn.name} by ${fn.user!.email}`);
    });
    tour.say(`the fix, loadRelations(list, { user: true }): ${fixed.report.queryCount} statements, ${fixed.report.findings.length} findings`);
    tour.show("loaded", fixed.result);

    await uw.dataSource.query(
      `INSERT INTO function_logs (uuid, function_id, level, message)
       SELECT gen_random_uuid(), (SELECT min(id) FROM functions WHERE name LIKE 'analyzer-fn-%'), 'info', 'line ' || g
       FROM generate_series(1, 20000) g`,
    );
    await uw.dataSource.query("ANALYZE function_logs");
    uw.analyzer.configure({ slowQueryMs: 100, explainSlowQueries: true });
    const slow = await uw.analyzer.scope("search logs by message", () =>
      // pg_sleep stands in for a heavy query, so that the demo is slow on any machine.
      uw.dataSource.query(`SELECT * FROM function_logs WHERE message = $1 AND (SELECT pg_sleep(0.15)) IS NOT NULL`, ["line 4242"]),
    );
    const finding = slow.report.findings.find((f) => f.kind === "slow");
    tour.say(`a search over 20,000 log lines: ${slow.report.findings.length} finding(s)`);
    if (finding) {
      tour.show(`finding "slow" (${Math.round(finding.durationMs)} ms)`, {
        callSite: finding.callSite,
        sequentialScans: finding.plan?.sequentialScans,
        indexSuggestion: finding.plan?.indexSuggestion,
      });
    }
  } finally {
    uw.analyzer.configure({ mode: saved.mode, slowQueryMs: saved.slowQueryMs, explainSlowQueries: saved.explainSlowQueries });
  }
};

export default section;
