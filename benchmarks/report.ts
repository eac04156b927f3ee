import type { PeerKey } from "./peers/peer";
import type { StatementCount } from "./peers/statement-counter";
export type WriteGroup = "insert" | "update" | "upsert" | "tpcb";
export type ReadGroup = "getById" | "page" | "paginate" | "offset" | "keyset" | "stream";

/** Figures of one path at one size. */
export interface Measurement {
  group: WriteGroup | ReadGroup;
  path: string;
  /** Rows per call (bulk) or concurrent workers (tpcb). */
  size: number;
  /** rows/s (bulk) or transactions/s (tpcb), one per run. */
  runs: number[];
  median: number | null;
  baseline?: boolean;
  reference?: boolean;
  /** Median of the per-run ratios to the group's hand-written baseline at this size. */
  ratio?: number;
  /** insert only: median of the per-run ratios to the hand-written unnest. */
  ratioToUnnest?: number;
  error?: string;
  note?: string;
  /** The client this path is the headline of, in the peer table (one path per client and group). */
  peer?: PeerKey;
  /** Statements the path sent: per run (bulk), per transaction (tpcb) or per call (reads). */
  statements?: StatementCount;
  /** stream only: peak RSS of the streaming process, MB (median of the runs), and before it started. */
  peakRssMb?: number;
  baselineRssMb?: number;
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Fills in medians and the ratios to each group's baseline (and, for insert, to hand-written unnest). */
export function computeRatios(measurements: Measurement[]): void {
  for (const m of measurements) m.median = median(m.runs);
  for (const m of measurements) {
    const peers = measurements.filter((p) => p.group === m.group && p.size === m.size);
    const base = peers.find((p) => p.baseline);
    const reference = peers.find((p) => p.reference);
    if (base) m.ratio = pairedRatio(m, base);
    if (reference && m.group === "insert") m.ratioToUnnest = pairedRatio(m, reference);
  }
}

/**
 * The median of the per-run ratios: run r of every path is measured in the same round, back to back,
 * so dividing within a round cancels what the machine did to that round (a busy neighbour, a slow
 * disk), which a ratio of the two medians would keep. Falls back to the ratio of medians when the
 * runs do not pair up.
 */
export function pairedRatio(m: Measurement, base: Measurement): number | undefined {
  if (m.runs.length && m.runs.length === base.runs.length) return median(m.runs.map((value, r) => value / base.runs[r]!)) ?? undefined;
  return m.median !== null && base.median ? m.median / base.median : undefined;
}

const UNIT: Record<Measurement["group"], string> = {
  insert: "rows/s",
  update: "rows/s",
  upsert: "rows/s",
  tpcb: "tx/s",
  getById: "calls/s",
  page: "calls/s",
  paginate: "calls/s",
  offset: "pages/s",
  keyset: "pages/s",
  stream: "rows/s",
};
const BASE: Record<Measurement["group"], string> = {
  insert: "× raw COPY",
  update: "× raw unnest",
  upsert: "× raw unnest",
  tpcb: "× raw pg Pool",
  getById: "× raw pg",
  page: "× raw pg",
  paginate: "× raw pg",
  offset: "× raw pg",
  keyset: "× raw pg",
  stream: "× raw pg-query-stream",
};

export const WRITE_GROUPS = ["insert", "update", "upsert", "tpcb"] as const;
export const READ_GROUPS = ["getById", "page", "paginate", "offset", "keyset", "stream"] as const;

export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function statementsCell(m: Measurement): string {
  if (!m.statements) return "–";
  const { data, control } = m.statements;
  return `${fmt(data, Number.isInteger(data) ? 0 : 1)}${control ? ` + ${fmt(control, Number.isInteger(control) ? 0 : 1)} tx` : ""}`;
}

function title(group: Measurement["group"], size: number): string {
  switch (group) {
    case "tpcb":
      return `TPC-B-like unit of work, ${size} workers`;
    case "getById":
      return `getById, ${size.toLocaleString("en-US")} calls in a row`;
    case "page":
      return `a filtered, sorted page of 20 with its to-one author, ${size.toLocaleString("en-US")} calls`;
    case "paginate":
      return `paginate with an exact count (page 1–5 of an author's items, with the author), ${size.toLocaleString("en-US")} calls`;
    case "offset":
      return `OFFSET page ${size.toLocaleString("en-US")} of 20, newest first`;
    case "keyset":
      return `keyset page ${size.toLocaleString("en-US")} of 20, newest first`;
    case "stream":
      return `streaming ${size.toLocaleString("en-US")} rows`;
    default:
      return `${group}, ${size.toLocaleString("en-US")} rows`;
  }
}

/** A Markdown table per group and size (also readable in a terminal). */
export function markdownTables(measurements: Measurement[], groups: readonly Measurement["group"][] = [...WRITE_GROUPS, ...READ_GROUPS]): string {
  const out: string[] = [];
  for (const group of groups) {
    const sizes = [...new Set(measurements.filter((m) => m.group === group).map((m) => m.size))];
    for (const size of sizes) {
      const rows = measurements.filter((m) => m.group === group && m.size === size);
      out.push(`\n**${title(group, size)}**\n`);
      const extra = group === "insert" ? " × raw unnest |" : group === "stream" ? " peak RSS |" : "";
      const per = group === "tpcb" ? "stmts/tx" : READ_GROUPS.includes(group as never) && group !== "stream" ? "stmts/call" : "stmts/run";
      out.push(`| path | ${UNIT[group]} (median) | runs | ${BASE[group]} |${extra} ${per} |`);
      out.push(`|---|---:|---:|---:|${extra ? "---:|" : ""}---:|`);
      for (const m of rows) {
        const value = m.error ? `failed: ${m.error.slice(0, 100)}` : m.runs.length ? fmt(m.median) : "not run";
        const ratio = m.ratio === undefined ? "–" : `${fmt(m.ratio, 2)}×`;
        const more =
          group === "insert" ? ` ${m.ratioToUnnest === undefined ? "–" : `${fmt(m.ratioToUnnest, 2)}×`} |` : group === "stream" ? ` ${m.peakRssMb === undefined ? "–" : `${fmt(m.peakRssMb)} MB (${fmt(m.baselineRssMb)} MB before)`} |` : "";
        out.push(`| ${m.path}${m.note ? ` (${m.note})` : ""} | ${value} | ${m.runs.length} | ${ratio} |${more} ${statementsCell(m)} |`);
      }
    }
  }
  return out.join("\n");
}

/** One row of the peer table: a path at one size, each client's headline figure on it. */
interface PeerRow {
  label: string;
  group: Measurement["group"];
  size: number;
}

/**
 * The peer table: one row per path, one column per client, each cell the client's headline figure and
 * its ratio to hand-written pg in the same run; the fastest ORM of each row in bold.
 */
export function peerTable(measurements: Measurement[], clients: { key: PeerKey; name: string }[], rows: PeerRow[]): string {
  const out = [`| path | ${clients.map((c) => c.name).join(" | ")} |`, `|---|${clients.map(() => "---:").join("|")}|`];
  for (const row of rows) {
    const cells = clients.map((c) => measurements.find((m) => m.group === row.group && m.size === row.size && m.peer === c.key));
    const orms = cells.filter((m, i) => m && clients[i]!.key !== "raw" && m.median !== null && !m.error);
    const best = orms.length ? Math.max(...orms.map((m) => m!.median!)) : undefined;
    const text = cells.map((m, i) => {
      if (!m) return "no API";
      if (m.error) return "failed";
      if (m.median === null) return m.note?.startsWith("skipped") ? "one stmt per row: not run" : m.note ?? "not run";
      const ratio = clients[i]!.key === "raw" || m.ratio === undefined ? "" : ` (${fmt(m.ratio, 2)}×)`;
      const rss = m.peakRssMb !== undefined ? `, ${fmt(m.peakRssMb)} MB` : "";
      const cell = `${fmt(m.median)}${ratio}${rss}`;
      return m.median === best && clients[i]!.key !== "raw" ? `**${cell}**` : cell;
    });
    out.push(`| ${row.label} | ${text.join(" | ")} |`);
  }
  return out.join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** One colour per client, in every chart. */
export const PEER_COLOURS: Record<PeerKey, string> = {
  raw: "#6b7280",
  unitwork: "#2563eb",
  typeorm: "#ea580c",
  mikroorm: "#16a34a",
  drizzle: "#b45309",
  prisma: "#7c3aed",
};

function colour(path: string): string {
  if (path.startsWith("unitwork")) return PEER_COLOURS.unitwork;
  if (path.startsWith("TypeORM")) return PEER_COLOURS.typeorm;
  if (path.startsWith("MikroORM")) return PEER_COLOURS.mikroorm;
  if (path.startsWith("Drizzle")) return PEER_COLOURS.drizzle;
  if (path.startsWith("Prisma")) return PEER_COLOURS.prisma;
  return PEER_COLOURS.raw;
}

/** A self-contained SVG bar chart: one panel per group at its largest size. */
export function svgChart(measurements: Measurement[], subtitle: string): string {
  const panels: { title: string; unit: string; bars: Measurement[] }[] = [];
  for (const group of WRITE_GROUPS) {
    const ofGroup = measurements.filter((m) => m.group === group);
    if (!ofGroup.length) continue;
    // the largest size up to 100,000 rows (1,000,000 is the insert scale curve's, charted apart)
    const sizes = ofGroup.map((m) => m.size);
    const size = Math.max(...(sizes.some((n) => n <= 100_000) ? sizes.filter((n) => n <= 100_000) : sizes));
    const bars = ofGroup.filter((m) => m.size === size && (m.median !== null || m.error)).sort((a, b) => (b.median ?? 0) - (a.median ?? 0));
    const heading = group === "tpcb" ? `TPC-B-like unit of work, ${size} workers (${UNIT[group]})` : `${group}, ${size.toLocaleString("en-US")} rows (${UNIT[group]}, ${BASE[group]})`;
    panels.push({ title: heading, unit: UNIT[group], bars });
  }
  const width = 980;
  const labelWidth = 330;
  const barArea = width - labelWidth - 190;
  const barHeight = 18;
  const gap = 6;
  let y = 56;
  const parts: string[] = [];
  for (const panel of panels) {
    parts.push(`<text x="16" y="${y}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
    y += 12;
    const max = Math.max(...panel.bars.map((b) => b.median ?? 0), 1);
    for (const bar of panel.bars) {
      const w = bar.median ? Math.max(2, (bar.median / max) * barArea) : 0;
      const label = bar.error ? "failed" : `${fmt(bar.median)}${bar.ratio !== undefined ? `  (${fmt(bar.ratio, 2)}×)` : ""}`;
      parts.push(`<text x="${labelWidth - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escapeXml(bar.path)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colour(bar.path)}" rx="2"/>`);
      parts.push(`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 13}" font-size="12">${escapeXml(label)}</text>`);
      y += barHeight + gap;
    }
    y += 22;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="18" font-weight="bold">unitwork bulk and unit-of-work benchmark</text>`,
    `<text x="16" y="42" font-size="12" fill="#374151">${escapeXml(subtitle)} · blue: unitwork, grey: hand-written pg, orange: TypeORM, green: MikroORM, brown: Drizzle, purple: Prisma</text>`,
    ...parts,
    `</svg>`,
  ].join("\n");
}
