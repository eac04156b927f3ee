/**
 * Collects the bound parameters and the table aliases of one statement while unitwork builds its SQL
 * text. Parameter names are generated (`uwq0`, `uwq1`, …): no value ever becomes SQL text. @internal
 */
export class SqlBindings {
  readonly parameters: Record<string, unknown> = {};
  private nextParameter = 0;
  private nextAlias = 0;

  constructor(private readonly prefix = "uwq") {}

  /** Binds `value` and returns its placeholder (`:uwq3`). */
  bind(value: unknown): string {
    const name = `${this.prefix}${this.nextParameter++}`;
    this.parameters[name] = value;
    return `:${name}`;
  }

  /**
   * Bindings that go on from these: they start with these parameters and continue their
   * names, so SQL built here (a compiled filter) can be reused in several statements, each adding
   * its own parameters without a clash.
   */
  fork(): SqlBindings {
    const next = new SqlBindings(this.prefix);
    Object.assign(next.parameters, this.parameters);
    next.nextParameter = this.nextParameter;
    next.nextAlias = this.nextAlias;
    return next;
  }

  /** A fresh table alias for a subquery (`uwq_t0`, `uwq_t1`, …). */
  alias(): string {
    return `${this.prefix}_t${this.nextAlias++}`;
  }
}
