/** Figures of one path at one size. */
export interface Measurement {
  group: "insert" | "update" | "upsert" | "tpcb";
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
function pairedRatio(m: Measurement, base: Measurement): number | undefined {
  if (m.runs.length && m.runs.length === base.runs.length) return median(m.runs.map((value, r) => value / base.runs[r]!)) ?? undefined;
  return m.median !== null && base.median ? m.median / base.median : undefined;
}

const UNIT: Record<Measurement["group"], string> = { insert: "rows/s", update: "rows/s", upsert: "rows/s", tpcb: "tx/s" };
const BASE: Record<Measurement["group"], string> = {
  insert: "× raw COPY",
  update: "× raw unnest",
  upsert: "× raw unnest",
  tpcb: "× raw pg Pool",
};

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A Markdown table per group and size (also readable in a terminal). */
export function markdownTables(measurements: Measurement[]): string {
  const out: string[] = [];
  for (const group of ["insert", "update", "upsert", "tpcb"] as const) {
    const sizes = [...new Set(measurements.filter((m) => m.group === group).map((m) => m.size))];
    for (const size of sizes) {
      const rows = measurements.filter((m) => m.group === group && m.size === size);
      const title = group === "tpcb" ? `TPC-B-like unit of work, ${size} workers` : `${group}, ${size.toLocaleString("en-US")} rows`;
      out.push(`\n**${title}**\n`);
      const extra = group === "insert" ? " × raw unnest |" : "";
      out.push(`| path | ${UNIT[group]} (median) | runs | ${BASE[group]} |${extra}`);
      out.push(`|---|---:|---:|---:|${group === "insert" ? "---:|" : ""}`);
      for (const m of rows) {
        const value = m.error ? `failed: ${m.error.slice(0, 80)}` : m.runs.length ? fmt(m.median) : "not run";
        const ratio = m.ratio === undefined ? "–" : `${fmt(m.ratio, 2)}×`;
        const unnest = group === "insert" ? ` ${m.ratioToUnnest === undefined ? "–" : `${fmt(m.ratioToUnnest, 2)}×`} |` : "";
        out.push(`| ${m.path}${m.note ? ` (${m.note})` : ""} | ${value} | ${m.runs.length} | ${ratio} |${unnest}`);
      }
    }
  }
  return out.join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function colour(path: string): string {
  if (path.startsWith("unitwork")) return "#2563eb";
  if (path.startsWith("TypeORM")) return "#ea580c";
  return "#6b7280";
}

/** A self-contained SVG bar chart: one panel per group at its largest size. */
export function svgChart(measurements: Measurement[], subtitle: string): string {
  const panels: { title: string; unit: string; bars: Measurement[] }[] = [];
  for (const group of ["insert", "update", "upsert", "tpcb"] as const) {
    const ofGroup = measurements.filter((m) => m.group === group);
    if (!ofGroup.length) continue;
    const size = Math.max(...ofGroup.map((m) => m.size));
    const bars = ofGroup.filter((m) => m.size === size && (m.median !== null || m.error)).sort((a, b) => (b.median ?? 0) - (a.median ?? 0));
    const title = group === "tpcb" ? `TPC-B-like unit of work, ${size} workers (${UNIT[group]})` : `${group}, ${size.toLocaleString("en-US")} rows (${UNIT[group]}, ${BASE[group]})`;
    panels.push({ title, unit: UNIT[group], bars });
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
    `<text x="16" y="42" font-size="12" fill="#374151">${escapeXml(subtitle)} · blue: unitwork, grey: hand-written pg, orange: TypeORM</text>`,
    ...parts,
    `</svg>`,
  ].join("\n");
}
