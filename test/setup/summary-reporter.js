// Prints the closing line CI reads, from jest's own aggregated result. A suite that failed to run
// (syntax error, failing beforeAll) counts as a failure even though it has no failed test.
const { mkdirSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${passed} passed, ${failed} failed`;
    const dir = join(__dirname, "..", "..", "test-results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "summary.txt"), line + "\n");
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
