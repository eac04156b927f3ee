/** @internal */
export { runCli } from "./run-cli";
/** @internal */
export { checkBaselines, type CheckOutcome } from "./baseline-check";
