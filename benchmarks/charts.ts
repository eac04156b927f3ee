/**
 * A small hand-written SVG writer for the scale curves: line charts with log axes, one or more
 * panels side by side, one colour per client and a legend. Self-contained files, no script, no fonts.
 */
export interface Series {
  name: string;
  colour: string;
  dashed?: boolean;
  /** null where the client did not run (an error or no API): the line breaks there. */
  points: { x: number; y: number | null }[];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function short(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  if (abs >= 1) return `${+n.toPrecision(3)}`;
  return `${+n.toPrecision(2)}`;
}

/** Ticks: powers of ten (log axis) or 5 even steps from zero (linear). */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    }
    return out.length >= 2 ? out : [min, max];
  }
  const step = niceStep(max / 5);
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

function niceStep(raw: number): number {
  const e = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 2.5, 5, 10].map((m) => m * e).find((s) => s >= raw) ?? 10 * e;
}

function panelSvg(panel: Panel, x0: number, y0: number, width: number, height: number): string[] {
  const left = 70;
  const right = 12;
  const top = 28;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = panel.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = panel.series.flatMap((s) => s.points.filter((p) => p.y !== null && p.y > 0).map((p) => p.y!));
  const parts: string[] = [`<text x="${x0 + left}" y="${y0 + 16}" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`];
  if (!xs.length || !ys.length) {
    parts.push(`<text x="${x0 + left}" y="${y0 + top + 20}" font-size="12">no data</text>`);
    return parts;
  }
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (panel.logY) {
    yMin = 10 ** Math.floor(Math.log10(yMin));
    yMax = 10 ** Math.ceil(Math.log10(yMax));
  } else {
    yMin = 0;
    yMax = ticks(0, yMax * 1.08, false).at(-1)! < yMax ? yMax * 1.1 : ticks(0, yMax * 1.08, false).at(-1)!;
  }
  const sx = (x: number) => x0 + left + (panel.logX ? (Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1) : (x - xMin) / (xMax - xMin || 1)) * plotW;
  const sy = (y: number) => y0 + top + plotH - (panel.logY ? (Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin) || 1) : (y - yMin) / (yMax - yMin || 1)) * plotH;
  parts.push(`<rect x="${x0 + left}" y="${y0 + top}" width="${plotW}" height="${plotH}" fill="none" stroke="#d1d5db"/>`);
  for (const t of ticks(yMin, yMax, !!panel.logY)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${x0 + left}" x2="${x0 + left + plotW}" y1="${y}" y2="${y}" stroke="#eef0f3"/>`);
    parts.push(`<text x="${x0 + left - 6}" y="${+y + 4}" font-size="11" text-anchor="end">${short(t)}</text>`);
  }
  for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${y0 + top}" y2="${y0 + top + plotH}" stroke="#eef0f3"/>`);
    parts.push(`<text x="${x}" y="${y0 + top + plotH + 15}" font-size="11" text-anchor="middle">${short(t)}</text>`);
  }
  parts.push(`<text x="${x0 + left + plotW / 2}" y="${y0 + height - 8}" font-size="12" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${y0 + top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`);
  for (const s of panel.series) {
    let d = "";
    let pen = false;
    for (const p of [...s.points].sort((a, b) => a.x - b.x)) {
      if (p.y === null || !(p.y > 0)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)} `;
      pen = true;
    }
    if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${s.colour}" stroke-width="2.2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    for (const p of s.points) if (p.y !== null && p.y > 0) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.colour}"/>`);
  }
  return parts;
}

/** Panels side by side under a title, with one legend for every series name. */
export function lineChart(heading: string, subtitle: string, panels: Panel[]): string {
  const panelW = 470;
  const panelH = 300;
  const width = Math.max(940, panelW * panels.length + 20);
  const legend = new Map<string, Series>();
  for (const p of panels) for (const s of p.series) if (!legend.has(s.name)) legend.set(s.name, s);
  const legendRows = Math.ceil(legend.size / 3);
  const height = 56 + panelH + 16 + legendRows * 18 + 10;
  const parts = panels.flatMap((p, i) => panelSvg(p, 10 + i * panelW, 50, panelW, panelH));
  [...legend.values()].forEach((s, i) => {
    const x = 20 + (i % 3) * 300;
    const y = 56 + panelH + 16 + Math.floor(i / 3) * 18;
    parts.push(`<line x1="${x}" x2="${x + 26}" y1="${y}" y2="${y}" stroke="${s.colour}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    parts.push(`<text x="${x + 32}" y="${y + 4}" font-size="12">${escapeXml(s.name)}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="18" font-weight="bold">${escapeXml(heading)}</text>`,
    `<text x="16" y="42" font-size="12" fill="#374151">${escapeXml(subtitle)}</text>`,
    ...parts,
    `</svg>`,
  ].join("\n");
}
