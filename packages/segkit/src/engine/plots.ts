// Plots of a run as standalone SVG files (no plotting dependency, viewable in any browser):
// line charts for loss / lr / val mIoU against iterations, bars for per-class IoU.
const W = 640;
const H = 360;
const M = { left: 64, right: 16, top: 36, bottom: 48 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + nice * 1e-9; t += nice) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escape(title)}</text>`,
    ...body,
    "</svg>",
  ].join("\n");
}

export interface Series {
  name: string;
  points: [number, number][];
}

export function lineChart(title: string, series: Series[], xLabel = "iteration", yLabel = ""): string {
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return frame(title, [`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`]);
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (y: number): number => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const body: string[] = [];
  for (const t of niceTicks(y0, y1)) {
    body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) body.push(`<text x="${sx(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${t}</text>`);
  body.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(14 ${H / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const color = COLORS[i % COLORS.length];
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`,
      `<text x="${W - M.right - 4}" y="${M.top + 14 * (i + 1)}" text-anchor="end" fill="${color}">${escape(s.name)}</text>`);
  });
  return frame(title, body);
}

/** Horizontal bars, one per label; values in [0, 1] shown as percentages; NaN as "n/a". */
export function barChart(title: string, labels: string[], values: number[]): string {
  const row = Math.min(24, (H - M.top - 16) / Math.max(1, labels.length));
  const left = 120;
  const width = W - left - 70;
  const height = M.top + 16 + row * labels.length;
  const body = labels.map((label, i) => {
    const y = M.top + 8 + i * row;
    const v = values[i];
    const known = Number.isFinite(v);
    return [
      `<text x="${left - 6}" y="${y + row * 0.7}" text-anchor="end">${escape(label)}</text>`,
      known ? `<rect x="${left}" y="${y + 2}" width="${(Math.max(0, Math.min(1, v)) * width).toFixed(1)}" height="${row - 4}" fill="${COLORS[0]}"/>` : "",
      `<text x="${left + (known ? Math.max(0, Math.min(1, v)) * width : 0) + 4}" y="${y + row * 0.7}">${known ? (v * 100).toFixed(1) : "n/a"}</text>`,
    ].join("");
  });
  return frame(title, body).replace(`height="${H}" viewBox="0 0 ${W} ${H}"`, `height="${height}" viewBox="0 0 ${W} ${height}"`)
    .replace(`<rect width="${W}" height="${H}"`, `<rect width="${W}" height="${height}"`);
}
