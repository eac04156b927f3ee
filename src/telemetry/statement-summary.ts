/** What a span needs to know of one SQL text: its operation and the table it works on. @internal */
export interface StatementSummary {
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, … (the first keyword). */
  operation: string;
  /** The table written (INSERT INTO, UPDATE, DELETE FROM) or first read (FROM), unquoted. */
  collection?: string;
}

const FIRST_WORD = /^\s*(?:\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*\(*\s*([A-Za-z]+)/;
const IDENTIFIER = String.raw`((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*))?)`;
const TARGET: Record<string, RegExp> = {
  INSERT: new RegExp(String.raw`\bINTO\s+` + IDENTIFIER, "i"),
  UPDATE: new RegExp(String.raw`^\s*UPDATE\s+(?:ONLY\s+)?` + IDENTIFIER, "i"),
  DELETE: new RegExp(String.raw`\bFROM\s+(?:ONLY\s+)?` + IDENTIFIER, "i"),
  SELECT: new RegExp(String.raw`\bFROM\s+` + IDENTIFIER, "i"),
};

/** The operation and table of `sql`, read from its text (no parser needed, so also with the analyzer off). @internal */
export function summarizeStatement(sql: string): StatementSummary {
  const operation = FIRST_WORD.exec(sql)?.[1]?.toUpperCase() ?? "QUERY";
  const pattern = TARGET[operation] ?? (operation === "WITH" ? TARGET.SELECT : undefined);
  const raw = pattern?.exec(sql)?.[1];
  if (!raw || raw.startsWith("(")) return { operation };
  const collection = raw.replace(/\s*\.\s*/g, ".").replace(/"((?:[^"]|"")+)"/g, (_, name: string) => name.replace(/""/g, '"'));
  return { operation, collection };
}
