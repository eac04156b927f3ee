import { UnitworkError, type ErrorDetails } from "./unitwork-error";

/**
 * No row with that id: thrown by `getByIdOrFail`, and by application code for its own lookups
 * (`mapError` answers 404 with `entity` and `id`).
 *
 * @example
 * ```ts
 * import { NotFoundError } from "unitwork";
 *
 * const user = await users.findFirst({ where: { uuid } });
 * if (!user) throw new NotFoundError("User", uuid);
 * ```
 */
export class NotFoundError extends UnitworkError {
  override readonly code = "NOT_FOUND";
  /**
   * @param entity Name of the entity that was looked up, e.g. `"User"`.
   * @param id The id that was looked up (an object for a composite key).
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(readonly entity: string, readonly id: unknown, details?: ErrorDetails) {
    super(`${entity} with id ${JSON.stringify(id)} was not found`, details);
  }
}

/** One class-validator (or unitwork) rule that a value broke: the property, its broken constraints by name, nested issues. */
export interface ValidationIssue {
  /** The property (entity key) that failed. */
  property: string;
  /** The value that was given for it. */
  value?: unknown;
  /** Broken rules by name (e.g. `isEmail`) with their messages; may be empty when only `children` failed. */
  constraints: Record<string, string>;
  /** Index of the row in a bulk call; `undefined` for a single-entity write. */
  row?: number;
  /** Issues of a nested object (class-validator `@ValidateNested`); `undefined` when there are none. */
  children?: ValidationIssue[];
}

/**
 * Input failed validation (the entity's class-validator rules, or unitwork's own checks on writable
 * keys and values); nothing was written. `issues` lists each property with its broken constraints.
 *
 * @example
 * ```ts
 * import { ValidationError } from "unitwork";
 *
 * try {
 *   await users.create({ email: "not-an-email" });
 * } catch (error) {
 *   if (!(error instanceof ValidationError)) throw error;
 *   console.log(error.issues.map((issue) => `${issue.property}: ${Object.values(issue.constraints).join("; ")}`));
 * }
 * ```
 */
export class ValidationError extends UnitworkError {
  override readonly code = "VALIDATION_FAILED";
  /**
   * @param entity Name of the entity whose input failed, e.g. `"User"`.
   * @param issues Every property that failed, with its broken constraints.
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(readonly entity: string, readonly issues: ValidationIssue[], details?: ErrorDetails) {
    super(`${entity} failed validation: ${summarize(issues)}`, details);
  }
}

function summarize(issues: ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.row === undefined ? "" : `row ${i.row}: `}${i.property} (${Object.values(i.constraints).join("; ") || "invalid"})`)
    .join(", ") + (issues.length > 5 ? `, and ${issues.length - 5} more` : "");
}

/**
 * A filter, sort, page or cursor that is not allowed; thrown before any SQL is built. `key` names the
 * offending part (`"sort"`, `"filter.status.like"`, …) and `allowed` what would have been accepted.
 *
 * @example
 * ```ts
 * import { InvalidQueryError, parseListQuery } from "unitwork";
 *
 * try {
 *   parseListQuery({ sort: "passwordHash" }, { sortable: ["createdAt", "email"] });
 * } catch (error) {
 *   if (error instanceof InvalidQueryError) console.log(error.key, error.allowed); // "sort" ["createdAt", "email"]
 * }
 * ```
 */
export class InvalidQueryError extends UnitworkError {
  override readonly code = "INVALID_QUERY";
  /**
   * @param message What is wrong.
   * @param key The offending option, field or operator (e.g. `"sort"`, `"returning"`); `undefined` when the error is not tied to one key.
   * @param allowed What would have been accepted in its place; `undefined` when there is no fixed list.
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(message: string, readonly key?: string, readonly allowed?: readonly string[], details?: ErrorDetails) {
    super(allowed && allowed.length ? `${message} (allowed: ${allowed.join(", ")})` : message, details);
  }
}

/**
 * Optimistic lock failure: an entity with a `@VersionColumn` changed (or vanished) since it was read.
 *
 * @example
 * ```ts
 * import { ConcurrencyError } from "unitwork";
 *
 * const user = await users.getByIdOrFail(1);
 * try {
 *   await users.update(user, { email: "ada@example.org" }); // only at the version `user` was read at
 * } catch (error) {
 *   if (!(error instanceof ConcurrencyError)) throw error;
 *   console.warn(`${error.entity} ${error.ids.join(", ")} changed meanwhile: reload and try again`);
 * }
 * ```
 */
export class ConcurrencyError extends UnitworkError {
  override readonly code = "CONCURRENCY_CONFLICT";
  /**
   * @param entity Name of the entity, e.g. `"User"`.
   * @param ids Primary keys of the rows that changed or vanished since they were read.
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(readonly entity: string, readonly ids: readonly unknown[], details?: ErrorDetails) {
    super(`${entity} ${ids.map((id) => JSON.stringify(id)).join(", ")} changed since it was read (version mismatch)`, details);
  }
}

/**
 * `propagation: "mandatory"` outside a unit of work.
 *
 * @example
 * ```ts
 * import { TransactionRequiredError } from "unitwork";
 *
 * // rejects with TransactionRequiredError unless a unit of work is already active in this call chain
 * await uw.unitOfWork.run((ctx) => ctx.repository(User).update(1, { isActive: false }), { propagation: "mandatory" });
 * ```
 */
export class TransactionRequiredError extends UnitworkError {
  override readonly code = "TRANSACTION_REQUIRED";
}

/**
 * A unit of work used against its rules: `propagation: "never"` inside one, joining with another
 * isolation or read-only setting, nested units run concurrently, a repository used after its unit ended.
 *
 * @example
 * ```ts
 * import { IllegalTransactionStateError } from "unitwork";
 *
 * await uw.unitOfWork.run(async () => {
 *   // rejects with IllegalTransactionStateError: it would join a READ COMMITTED unit of work
 *   await uw.unitOfWork.run((ctx) => ctx.repository(User).count(), { isolation: "SERIALIZABLE" });
 * });
 * ```
 */
export class IllegalTransactionStateError extends UnitworkError {
  override readonly code = "ILLEGAL_TRANSACTION_STATE";
}

/**
 * Strict mode (`createUnitwork({ strict: true })`): a repository write outside any unit of work.
 *
 * @example
 * ```ts
 * import { createUnitwork } from "unitwork";
 *
 * const uw = await createUnitwork({ dataSource, strict: true });
 * const users = uw.repositories.create(User);
 * await uw.unitOfWork.run(() => users.create({ email: "ada@example.com" })); // fine
 * await users.create({ email: "bob@example.com" }); // rejects with NoActiveUnitOfWorkError
 * ```
 */
export class NoActiveUnitOfWorkError extends UnitworkError {
  override readonly code = "NO_ACTIVE_UNIT_OF_WORK";
}

/**
 * The unit of work passed its `timeoutMs` (waiting for a connection included); the statement in
 * flight was cancelled and nothing was committed.
 *
 * @example
 * ```ts
 * import { UnitOfWorkTimeoutError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(10)"), { timeoutMs: 1_000 });
 * } catch (error) {
 *   if (error instanceof UnitOfWorkTimeoutError) console.warn(`gave up after ${error.timeoutMs} ms`);
 * }
 * ```
 */
export class UnitOfWorkTimeoutError extends UnitworkError {
  override readonly code = "UNIT_OF_WORK_TIMEOUT";
  /**
   * @param timeoutMs The deadline that passed, in ms (the unit's own `timeoutMs` or the one it inherited).
   * @param message Overrides the default message.
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(readonly timeoutMs: number, message?: string, details?: ErrorDetails) {
    super(message ?? `unit of work exceeded its deadline of ${timeoutMs} ms; nothing was committed`, details);
  }
}

/**
 * The unit of work's `AbortSignal` fired (`run(work, { signal })`, a client that went away, or
 * `uw.close({ timeoutMs })` giving up): the statement in flight was cancelled and nothing was committed.
 * `reason` is the signal's reason.
 *
 * @example
 * ```ts
 * import { UnitOfWorkAbortedError } from "unitwork";
 *
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 100);
 * try {
 *   await uw.unitOfWork.run((ctx) => ctx.manager.query("SELECT pg_sleep(10)"), { signal: controller.signal });
 * } catch (error) {
 *   if (!(error instanceof UnitOfWorkAbortedError)) throw error;
 * }
 * ```
 */
export class UnitOfWorkAbortedError extends UnitworkError {
  override readonly code = "UNIT_OF_WORK_ABORTED";
  /**
   * @param reason The `AbortSignal`'s reason (`signal.reason`); `undefined` when none was given.
   * @param message Overrides the default message.
   * @param details Optional `cause`, `sql` and `parameters`.
   */
  constructor(readonly reason?: unknown, message?: string, details?: ErrorDetails) {
    super(message ?? `unit of work aborted${describeReason(reason)}; nothing was committed`, details);
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error && reason.name !== "AbortError") return ` (${reason.message})`;
  if (typeof reason === "string") return ` (${reason})`;
  return "";
}

/**
 * One or more `onCommit` hooks threw after COMMIT. The data stays committed and the other hooks still
 * ran; `errors` holds every hook's error and `cause` the first.
 *
 * @example
 * ```ts
 * import { AfterCommitHookError } from "unitwork";
 *
 * try {
 *   await uw.unitOfWork.run(async (ctx) => {
 *     const user = await ctx.repository(User).create({ email: "ada@example.com" });
 *     ctx.onCommit(async () => {
 *       await fetch("https://hooks.example.com/signups", { method: "POST", body: user.email });
 *     });
 *   });
 * } catch (error) {
 *   if (!(error instanceof AfterCommitHookError)) throw error;
 *   uw.logger.error({ err: error.cause }, "signup hook failed; the user is saved");
 * }
 * ```
 */
export class AfterCommitHookError extends UnitworkError {
  override readonly code = "AFTER_COMMIT_HOOK_FAILED";
  /**
   * @param errors The error of every hook that threw, in the order the hooks ran; the first becomes `cause`.
   */
  constructor(readonly errors: readonly unknown[]) {
    super(`${errors.length} onCommit hook(s) failed after COMMIT; the data is committed`, { cause: errors[0] });
  }
}

/**
 * A statement failed inside the unit of work, the work caught the error and went on, so PostgreSQL
 * had aborted the transaction: it was rolled back instead of committed. Use `propagation: "nested"`
 * around a write that may fail to keep the outer unit usable.
 *
 * @example
 * ```ts
 * import { UniqueViolationError } from "unitwork";
 *
 * await uw.unitOfWork.run(async (ctx) => {
 *   const users = ctx.repository(User);
 *   // A bare `users.create(…).catch(…)` would leave the transaction aborted: TransactionAbortedError.
 *   // In a savepoint, only the savepoint is rolled back:
 *   const created = await uw.unitOfWork
 *     .run(() => users.create({ email: "ada@example.com" }), { propagation: "nested" })
 *     .catch((error: unknown) => {
 *       if (error instanceof UniqueViolationError) return undefined;
 *       throw error;
 *     });
 *   return created ?? users.findFirst({ where: { email: "ada@example.com" } });
 * });
 * ```
 */
export class TransactionAbortedError extends UnitworkError {
  override readonly code = "TRANSACTION_ABORTED";
}

/**
 * A configuration value (environment variable or option) that cannot be used; the message names it.
 *
 * @example
 * ```ts
 * import { dataSourceOptionsFromEnv } from "unitwork";
 *
 * dataSourceOptionsFromEnv({ DB_POOL_MAX: "many" }); // throws: DB_POOL_MAX must be an integer >= 1, got "many"
 * ```
 */
export class InvalidConfigError extends UnitworkError {
  override readonly code = "INVALID_CONFIG";
}
