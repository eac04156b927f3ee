import { copyField } from "./sql-text";

/** Size of one piece of COPY data handed to the stream. */
const PIECE = 65_536;
const TAB = 0x09;
const NEWLINE = 0x0a;

/**
 * Encodes rows in COPY's text format straight into ~64 KB Buffers: no string per row or per piece is
 * built and then converted, which for a million rows is most of the garbage a COPY would make.
 * @internal
 */
export class CopyTextEncoder {
  private buffer = Buffer.allocUnsafe(PIECE);
  private at = 0;
  private readonly filled: Buffer[] = [];

  /** Appends a field (`null` is `\N`), after a tab unless it is the first of its row. */
  field(text: string | null, first: boolean): void {
    if (!first) this.byte(TAB);
    this.text(copyField(text));
  }

  /** Ends a row: `suffix` (already encoded fields, each after a tab) and a newline. */
  endRow(suffix: string): void {
    if (suffix) this.text(suffix);
    this.byte(NEWLINE);
  }

  /** Whether a piece is full and waiting to be taken. */
  get hasFull(): boolean {
    return this.filled.length > 0;
  }

  /** Takes the full pieces; with `all`, the partly filled one too. */
  take(all = false): Buffer[] {
    if (all) this.flush();
    return this.filled.splice(0);
  }

  private text(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: reserving that much means `write` never truncates.
    if (this.at + text.length * 3 > PIECE) {
      this.flush();
      if (text.length * 3 > PIECE) {
        this.filled.push(Buffer.from(text));
        return;
      }
    }
    this.at += this.buffer.write(text, this.at);
  }

  private byte(value: number): void {
    if (this.at === PIECE) this.flush();
    this.buffer[this.at++] = value;
  }

  private flush(): void {
    if (!this.at) return;
    this.filled.push(this.buffer.subarray(0, this.at));
    this.buffer = Buffer.allocUnsafe(PIECE);
    this.at = 0;
  }
}
