/**
 * The differential conformance suite (issue 16): every mapping, written and read through unitwork
 * and through TypeORM's own Repository, answers compared. One summary line counts entities, checks
 * and passes.
 */
import type { CheckResult, MappingCase } from "./harness";
import { runCase } from "./run-case";
import { generatedCases } from "./cases/generated";
import { realWorldCases } from "./cases/real-world";
import { appShapeCases } from "./cases/app-shapes";
import { typeormSampleCases } from "./cases/typeorm-samples";

const CASES: MappingCase[] = [...typeormSampleCases, ...realWorldCases, ...appShapeCases, ...generatedCases];
const all: CheckResult[] = [];

afterAll(() => {
  const entities = new Set(CASES.flatMap((c) => c.entities));
  const passed = all.filter((r) => r.ok).length;
  console.log(`conformance: ${CASES.length} mappings, ${entities.size} entities, ${all.length} checks, ${passed} passed`);
});

test.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
  const results = await runCase(c);
  all.push(...results);
  const failed = results.filter((r) => !r.ok);
  expect(failed.map((f) => `${f.check}: ${f.error}`)).toEqual([]);
});
