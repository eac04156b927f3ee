#!/usr/bin/env node
import { runCli } from "./run-cli";

// The `unitwork` bin (package.json): `npx unitwork baseline check <report>`.
const outcome = runCli(process.argv.slice(2));
const print = outcome.exitCode === 0 ? console.log : console.error;
for (const line of outcome.output) print(line);
process.exitCode = outcome.exitCode;
