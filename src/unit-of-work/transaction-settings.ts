import { IllegalTransactionStateError, InvalidConfigError } from "../errors";

/**
 * Settings a unit of work applies to its transaction (`UnitOfWorkOptions.settings`): each key is a
 * PostgreSQL setting name (`"app.tenant_id"`, `"statement_timeout"`), each value its text.
 *
 * @example
 * const tenant: TransactionSettings = { "app.tenant_id": "42", statement_timeout: "5s" };
 * await uw.unitOfWork.run((ctx) => ctx.repository(Organization).findMany(), { settings: tenant });
 */
export type TransactionSettings = Readonly<Record<string, string>>;

/** A setting name: identifiers joined by dots (`app.tenant_id`, `statement_timeout`). */
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$/;
const NO_SETTINGS: TransactionSettings = Object.freeze({});

/** `InvalidConfigError` for settings no transaction can take. @internal */
export function checkTransactionSettings(settings: unknown): void {
  if (settings === undefined) return;
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
    throw new InvalidConfigError(`settings must be an object of setting names to string values, got ${settings === null ? "null" : Array.isArray(settings) ? "an array" : typeof settings}`);
  }
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(key)) {
      throw new InvalidConfigError(`settings: ${JSON.stringify(key)} is not a setting name (identifiers joined by dots, e.g. "app.tenant_id")`);
    }
    if (seen.has(key.toLowerCase())) throw new InvalidConfigError(`settings: ${JSON.stringify(key)} is given twice (setting names ignore case)`);
    seen.add(key.toLowerCase());
    if (typeof value !== "string") {
      throw new InvalidConfigError(`settings: the value of ${key} must be a string, got ${value === null ? "null" : typeof value}`);
    }
    if (value.includes("\0")) throw new InvalidConfigError(`settings: the value of ${key} contains a NUL character`);
  }
}

/** The settings of a transaction begun with `own` under the unitwork's `defaults` (own keys win). @internal */
export function mergeTransactionSettings(defaults: TransactionSettings | undefined, own: TransactionSettings | undefined): TransactionSettings {
  if (!defaults || !Object.keys(defaults).length) return own && Object.keys(own).length ? Object.freeze({ ...own }) : NO_SETTINGS;
  const byName = new Map<string, [string, string]>();
  for (const source of [defaults, own ?? {}]) for (const [key, value] of Object.entries(source)) byName.set(key.toLowerCase(), [key, value]);
  return Object.freeze(Object.fromEntries(byName.values()));
}

/**
 * The one statement that applies `settings` for the rest of the transaction: `set_config(key, value,
 * true)` per key, names and values bound as parameters. `undefined` when there is nothing to set. @internal
 */
export function settingsStatement(settings: TransactionSettings): { sql: string; parameters: string[] } | undefined {
  const entries = Object.entries(settings);
  if (!entries.length) return undefined;
  const calls = entries.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
  return { sql: `SELECT ${calls.join(", ")}`, parameters: entries.flat() };
}

/**
 * `IllegalTransactionStateError` unless every setting `requested` has that value in the transaction
 * already (`active`): a joined or nested unit cannot change them, since a setting made inside the
 * transaction would outlive the inner unit. Values stay out of the message (they may be sensitive). @internal
 */
export function checkSettingsJoinable(active: TransactionSettings, requested: TransactionSettings | undefined): void {
  if (!requested) return;
  const entries = Object.entries(requested);
  if (!entries.length) return;
  const current = new Map(Object.entries(active).map(([key, value]) => [key.toLowerCase(), value]));
  const differing = entries.filter(([key, value]) => current.get(key.toLowerCase()) !== value).map(([key]) => key);
  if (differing.length) {
    throw new IllegalTransactionStateError(
      `cannot join a unit of work with other settings (${differing.join(", ")} ${differing.length === 1 ? "differs" : "differ"} from the active transaction's); use propagation "requiresNew" for a transaction of its own`,
    );
  }
}

/** `IllegalTransactionStateError` for settings given to a unit that runs without a transaction. @internal */
export function refuseSettingsWithoutTransaction(settings: TransactionSettings | undefined, propagation: string): void {
  if (settings && Object.keys(settings).length) {
    throw new IllegalTransactionStateError(`settings need a transaction, and this unit of work runs without one (propagation "${propagation}")`);
  }
}
