// What the registry holds, written for people: `segkit list` prints it and docs/config.md is made
// from it (npm run docs), so the listing and the reference cannot drift from the code.
import { builderOf, KINDS, registered, type Kind } from "./registry.js";
import { TRAIN_DEFAULTS, TRAIN_OPTIONS } from "../engine/run-config.js";

export interface Entry {
  kind: Kind;
  name: string;
  options: readonly string[];
  summary: string;
  /** Former names that still work, with a deprecation warning. */
  formerly: readonly string[];
}

/** Every registered name of `kinds` (all by default), sorted by kind then name. */
export function entries(kinds: readonly Kind[] = KINDS): Entry[] {
  return kinds.flatMap((kind) => registered(kind).map((name) => {
    const { options, summary = "", formerly = [] } = builderOf(kind, name);
    return { kind, name, options, summary, formerly };
  }));
}

/** The terminal listing: per kind, each name with its summary and, below, its options. */
export function formatEntries(list: readonly Entry[]): string {
  const width = Math.max(0, ...list.map((e) => e.name.length));
  const lines: string[] = [];
  for (const kind of KINDS) {
    const ofKind = list.filter((e) => e.kind === kind);
    if (ofKind.length === 0) continue;
    if (lines.length > 0) lines.push("");
    lines.push(`${kind} (${ofKind.length})`);
    for (const e of ofKind) {
      lines.push(`  ${e.name.padEnd(width)}  ${e.summary}`);
      lines.push(`  ${"".padEnd(width)}  options: ${e.options.join(", ") || "(none)"}${e.formerly.length ? `; formerly ${e.formerly.join(", ")}` : ""}`);
    }
  }
  return lines.join("\n");
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");
const code = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(", ");

/** docs/config.md: the naming convention, then a table per kind. */
export function configReference(list: readonly Entry[] = entries()): string {
  const out = [
    "# Config reference",
    "",
    "Generated from segkit's registry by `npm run docs`; do not edit by hand (a test fails when it is stale).",
    "`segkit list [kind]` prints the same from the installed version.",
    "",
    "A config names what to build with `type` and gives its options beside it, e.g.",
    "`{ \"type\": \"cross_entropy\", \"ignoreIndex\": 255 }`. Names are snake_case, as torchvision and timm name",
    "models; option keys are camelCase. A renamed name still works for now and prints a one-time deprecation",
    "warning naming the new one; the former names are listed beside each entry.",
  ];
  for (const kind of KINDS) {
    const ofKind = list.filter((e) => e.kind === kind);
    if (ofKind.length === 0) continue;
    out.push("", `## ${kind} (${ofKind.length})`, "", "| name | options | summary |", "|---|---|---|");
    for (const e of ofKind) {
      const formerly = e.formerly.length ? ` (formerly ${code(e.formerly)})` : "";
      out.push(`| \`${e.name}\` | ${code(e.options) || "—"} | ${cell(e.summary)}${formerly} |`);
    }
  }
  out.push("", "## train", "", "The run's `train` section (`--set train.KEY=VALUE` on the command line).", "", "| key | default | meaning |", "|---|---|---|");
  for (const [key, meaning] of Object.entries(TRAIN_OPTIONS)) {
    out.push(`| \`${key}\` | \`${JSON.stringify(TRAIN_DEFAULTS[key as keyof typeof TRAIN_DEFAULTS])}\` | ${cell(meaning)} |`);
  }
  return `${out.join("\n")}\n`;
}
