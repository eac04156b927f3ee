import { checkBaselines, type CheckOutcome } from "./baseline-check";

const USAGE = [
  "usage: unitwork baseline check <run report .json | folder> [--baseline <committed .json>]",
  "",
  "  Compares the statements a test run recorded (UNITWORK_BASELINE_REPORT=<folder> npx jest) with the",
  "  committed __query-baselines__ files; exits 1 when a baseline gained a fingerprint or a count grew.",
].join("\n");

/** The `unitwork` command: `argv` without the node and script paths; returns the exit code and what to print. @internal */
export function runCli(argv: readonly string[]): CheckOutcome {
  const [group, command, ...rest] = argv;
  if (group !== "baseline" || command !== "check") return { exitCode: 2, output: [USAGE] };
  const positional: string[] = [];
  let committed: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--baseline") committed = rest[++i];
    else if (arg.startsWith("--baseline=")) committed = arg.slice("--baseline=".length);
    else if (arg === "--help" || arg === "-h") return { exitCode: 0, output: [USAGE] };
    else if (arg.startsWith("-")) return { exitCode: 2, output: [`unknown option ${arg}`, USAGE] };
    else positional.push(arg);
  }
  if (positional.length !== 1 || (rest.includes("--baseline") && !committed)) return { exitCode: 2, output: [USAGE] };
  return checkBaselines(positional[0]!, committed);
}
