import type { CollectedIds } from "./collected-ids";
import type { EntityPlan } from "./entity-plan";
import type { RowLocator } from "./failed-row";
import type { InsertChunk } from "./insert-chunk";
import { CopyTextEncoder } from "./copy-text-encoder";
import { copyField } from "./sql-text";
import type { BulkConnection } from "./bulk-connection";
import { UnnestSource } from "./unnest-source";

/**
 * Writes the prepared chunks of one bulk insert in order, by COPY where it can, and keeps the count,
 * the ids and the progress. @internal
 */
export class ChunkWriter {
  done = 0;

  constructor(
    private readonly connection: BulkConnection,
    private readonly plan: EntityPlan,
    private readonly preferCopy: boolean,
    private readonly onProgress: ((done: number) => void) | undefined,
    /** Collects the keys written, when the caller wants them. */
    private readonly ids: CollectedIds | undefined,
  ) {}

  async write(chunks: Iterator<InsertChunk>): Promise<void> {
    const source = new Lookahead(chunks);
    for (let chunk = source.take(); chunk; chunk = source.take()) {
      if (this.preferCopy && chunk.copyable) {
        await this.copyRun(chunk, source);
      } else {
        await unnestChunk(this.connection, this.plan, chunk);
        this.written(chunk);
      }
    }
  }

  private written(chunk: InsertChunk): void {
    if (chunk.ids) this.ids?.add(chunk.ids);
    this.done += chunk.size;
    this.onProgress?.(this.done);
  }

  /** One COPY for `first` and every following chunk with its columns; each is rendered as the stream asks for it. */
  private async copyRun(first: InsertChunk, source: Lookahead<InsertChunk>): Promise<void> {
    const { plan } = this;
    const targets = [...first.columns.map((c) => c.plan.quoted), ...plan.insertFixed.map((f) => f.plan.quoted)];
    const fixed = plan.insertFixed.map((f) => `\t${copyField(f.text())}`).join("");
    const sql = `COPY ${plan.table} (${targets.join(", ")}) FROM STDIN`;
    const run: InsertChunk[] = [];
    const self = this;
    const encoder = new CopyTextEncoder();
    function* text(): Generator<Buffer> {
      for (let chunk: InsertChunk | undefined = first; chunk; ) {
        run.push(chunk);
        yield* copyPieces(chunk, fixed, encoder);
        self.written(chunk);
        const next = source.peek();
        chunk = next && next.copyable && next.shape === first.shape ? source.take() : undefined;
      }
      yield* encoder.take(true);
    }
    await this.connection.copy(sql, text(), runLocator(plan, first.offset, run));
  }
}

/** An iterator that can look one item ahead. */
class Lookahead<T> {
  private next?: IteratorResult<T>;

  constructor(private readonly source: Iterator<T>) {}

  peek(): T | undefined {
    this.next ??= this.source.next();
    return this.next.done ? undefined : this.next.value;
  }

  take(): T | undefined {
    const value = this.peek();
    this.next = undefined;
    return value;
  }
}

/** COPY text of a chunk, in the encoder's ~64 KB pieces (the last, partly filled one stays in it). */
function* copyPieces(chunk: InsertChunk, fixed: string, encoder: CopyTextEncoder): Generator<Buffer> {
  const { columns, size } = chunk;
  const count = columns.length;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < count; c++) {
      const column = columns[c]!;
      encoder.field(column.set && !column.set[r] ? column.plan.jsDefault!() : column.texts[r]!, c === 0);
    }
    encoder.endRow(fixed);
    if (encoder.hasFull) yield* encoder.take();
  }
}

/** Finds a failed row of a statement covering `chunks` (the column texts are joined only if an error needs them). */
function runLocator(plan: EntityPlan, offset: number, chunks: readonly InsertChunk[]): RowLocator {
  let columns: Map<string, (string | null)[]> | undefined;
  const first = chunks[0];
  const primary = plan.primary && first?.columns.some((c) => c.plan === plan.primary) ? plan.primary : undefined;
  return {
    offset,
    get columns() {
      if (!columns) {
        columns = new Map();
        for (const chunk of chunks) {
          for (const column of chunk.columns) {
            const texts = columns.get(column.plan.databaseName) ?? [];
            for (let r = 0; r < chunk.size; r++) texts.push(column.set && !column.set[r] ? null : column.texts[r]!);
            columns.set(column.plan.databaseName, texts);
          }
        }
      }
      return columns;
    },
    primaryKey: primary?.databaseName,
    primaryKeyPosition: primary?.catalog.position,
  };
}

/** `INSERT … SELECT … FROM unnest($1::type[], …)`: one parameter per column, whatever the row count. */
async function unnestChunk(connection: BulkConnection, plan: EntityPlan, chunk: InsertChunk): Promise<void> {
  const { columns, size } = chunk;
  const source = new UnnestSource();
  const { targets, select } = source.insertList(columns, plan.insertFixed);
  const { parameters } = source;
  const overriding = plan.keyGeneration?.kind === "sequence" && plan.keyGeneration.overriding && columns[0]?.plan === plan.primary ? " OVERRIDING SYSTEM VALUE" : "";
  // every fixed value comes after the arrays, so unnest's placeholders are unaffected by them
  const from = columns.length ? ` FROM ${source.from}` : ` FROM generate_series(1, $${parameters.push(size)}::int)`;
  const into = targets.length ? ` (${targets.join(", ")})` : "";
  const sql = `INSERT INTO ${plan.table}${into}${overriding} SELECT ${select.join(", ")}${from}`;
  await connection.query(sql, parameters, runLocator(plan, chunk.offset, [chunk]));
}
