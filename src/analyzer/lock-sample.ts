import type { CapturedStack } from "./stack-frames";

/** Who held a lock, as seen while a statement waited. @internal */
export interface SampledBlocker {
  pid: number;
  /** The unit of work of this process on that connection, if any. */
  unitOfWork?: string;
  /** The blocker's statement: its statement on the locked table when it is a unit of work here, else its current one. */
  sql?: string;
  fingerprint?: string;
  stack?: CapturedStack;
}

/** What the lock sampler saw about one waiting statement. @internal */
export interface LockSample {
  relation?: string;
  mode?: string;
  lockType?: string;
  blocker?: SampledBlocker;
}
