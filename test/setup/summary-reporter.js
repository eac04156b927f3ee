// Prints the closing line CI reads, from jest's own aggregated result. A suite that failed to run
// (syntax error, failing beforeAll) counts as a failure even though it has no failed test.
const { mkdirSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${passed} passed, ${failed} failed`;
    // Tests skipped for a missing tool (pgbouncer): one line saying how to install it, before the summary.
    const missing = new Set();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        const title = test.ancestorTitles[0];
        if (test.status === "pending" && typeof title === "string" && / tests skipped: .* is not installed/.test(title)) missing.add(title);
      }
    }
    for (const title of missing) process.stdout.write(`\n${title}`);
    const dir = join(__dirname, "..", "..", "test-results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "summary.txt"), line + "\n");
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
