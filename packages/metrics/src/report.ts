/**
 * Per-class tables of a summary for people (text, Markdown) and for tools (CSV, JSON).
 * Percentages in text and Markdown as mmsegmentation prints them; fractions in CSV and JSON.
 */
import type { Summary } from "./summary.js";

export type ReportFormat = "text" | "markdown" | "csv" | "json";

const COLUMNS = ["IoU", "Acc", "Precision", "Dice"] as const;

export interface ReportOptions {
  /** Class names; "0", "1", ... when absent. */
  names?: readonly string[];
}

export function report(summary: Summary, format: ReportFormat, { names }: ReportOptions = {}): string {
  const k = summary.IoU.length;
  if (names && names.length !== k) throw new RangeError(`${names.length} class names given for ${k} classes`);
  const label = (i: number) => names?.[i] ?? String(i);
  const rows = Array.from({ length: k }, (_, i) => [label(i), ...COLUMNS.map((c) => summary[c][i])] as const);
  switch (format) {
    case "json":
      return JSON.stringify(summaryJSON(summary, names));
    case "csv":
      return [["class", ...COLUMNS].join(","), ...rows.map(([n, ...v]) => [csvField(n), ...v.map(String)].join(","))].join("\n");
    case "markdown": {
      const header = `| class | ${COLUMNS.join(" | ")} |\n|---|${COLUMNS.map(() => "---:").join("|")}|`;
      const body = rows.map(([n, ...v]) => `| ${n} | ${v.map(percent).join(" | ")} |`);
      return [header, ...body, "", totals(summary)].join("\n");
    }
    case "text": {
      const width = Math.max(5, ...rows.map(([n]) => n.length));
      const line = (cells: string[]) => cells[0].padEnd(width) + cells.slice(1).map((c) => c.padStart(10)).join("");
      const body = rows.map(([n, ...v]) => line([n, ...v.map(percent)]));
      return [line(["class", ...COLUMNS]), ...body, "", totals(summary)].join("\n");
    }
  }
}

/** The summary with per-class arrays as plain arrays and NaN as null (JSON has no NaN). */
export function summaryJSON(summary: Summary, names?: readonly string[]) {
  const list = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
  const num = (v: number) => (Number.isNaN(v) ? null : v);
  return {
    aAcc: num(summary.aAcc),
    mIoU: num(summary.mIoU),
    mAcc: num(summary.mAcc),
    mPrecision: num(summary.mPrecision),
    mDice: num(summary.mDice),
    fwIoU: num(summary.fwIoU),
    IoU: list(summary.IoU),
    Acc: list(summary.Acc),
    Precision: list(summary.Precision),
    Dice: list(summary.Dice),
    ...(names ? { classes: [...names] } : {}),
  };
}

function totals(s: Summary): string {
  return `aAcc ${percent(s.aAcc)}  mIoU ${percent(s.mIoU)}  mAcc ${percent(s.mAcc)}  mPrecision ${percent(s.mPrecision)}  mDice ${percent(s.mDice)}  fwIoU ${percent(s.fwIoU)}`;
}

function percent(v: number): string {
  return Number.isNaN(v) ? "nan" : (100 * v).toFixed(2);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
