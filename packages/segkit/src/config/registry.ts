// Config-driven construction: every buildable thing (model, backbone, neck, head, loss, dataset,
// transform, volume transform, optimizer, schedule, training hook, checkpoint key map) registers a builder under a name with the option keys it accepts;
// build({ type, ...options }) finds it and rejects unknown names and keys, suggesting the closest.
// Names are snake_case literals at their definition (docs/config.md); former names keep working
// through `formerly`, with a one-time note naming the new one.
import { didYouMean } from "./closest.js";

/** Every kind of registered thing, in the order listings show them. */
export const KINDS = ["model", "instance_model", "backbone", "neck", "head", "loss", "dataset", "transform", "volume_transform", "optimizer", "schedule", "hook", "keymap"] as const;
export type Kind = (typeof KINDS)[number];

export interface Builder<T = unknown> {
  /** Option keys the builder accepts (besides `type`). */
  options: readonly string[];
  /** `where` names the config's place in the whole config, for messages. */
  build(options: Record<string, unknown>, where: string): T;
  /** One line for listings (`segkit models`, error messages). */
  summary?: string;
  /** Former names that still build this, each with a one-time deprecation note naming the new one. */
  formerly?: readonly string[];
}

export interface Config {
  type: string;
  [key: string]: unknown;
}

const registries = new Map<Kind, Map<string, Builder>>();
/** Per kind: former name → current name. */
const renames = new Map<Kind, Map<string, string>>();
const noted = new Set<string>();

function registry(kind: Kind): Map<string, Builder> {
  let r = registries.get(kind);
  if (!r) registries.set(kind, (r = new Map()));
  return r;
}

function renamesOf(kind: Kind): Map<string, string> {
  let r = renames.get(kind);
  if (!r) renames.set(kind, (r = new Map()));
  return r;
}

export function register<T>(kind: Kind, name: string, builder: Builder<T>): void {
  const r = registry(kind);
  const former = renamesOf(kind);
  for (const taken of [name, ...(builder.formerly ?? [])]) {
    if (r.has(taken) || former.has(taken)) throw new Error(`${kind} "${taken}" is registered twice`);
  }
  r.set(name, builder as Builder);
  for (const old of builder.formerly ?? []) former.set(old, name);
}

/** The current name of `name` (itself, or what a former name became), noting a former name once per process. */
export function currentName(kind: Kind, name: string): string {
  const renamed = renamesOf(kind).get(name);
  if (renamed === undefined) return name;
  if (!noted.has(`${kind}:${name}`)) {
    noted.add(`${kind}:${name}`);
    process.emitWarning(`${kind} "${name}" is now called "${renamed}"; the old name will be removed`, { type: "DeprecationWarning", code: "SEGKIT_RENAMED" });
  }
  return renamed;
}

export function registered(kind: Kind): string[] {
  return [...registry(kind).keys()].sort();
}

export function builderOf(kind: Kind, name: string): Builder {
  const b = registry(kind).get(currentName(kind, name));
  if (!b) {
    throw new Error(`unknown ${kind} "${name}"${didYouMean(name, registry(kind).keys())}; known: ${registered(kind).join(", ")}`);
  }
  return b;
}

/** Checks `options` against the allowed keys; `where` names the config path in messages. */
export function checkKeys(options: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new Error(`${where}: unknown key "${key}"${didYouMean(key, allowed)}; allowed: ${allowed.join(", ") || "(none)"}`);
    }
  }
}

/** Builds `config` ({ type, ...options }) of `kind`; `where` is its path in the whole config. */
export function build<T>(kind: Kind, config: Config, where: string = kind): T {
  if (typeof config !== "object" || config === null || typeof config.type !== "string") {
    throw new Error(`${where}: expected an object with a "type" naming a ${kind}`);
  }
  const { type, ...options } = config;
  const builder = builderOf(kind, type);
  checkKeys(options, builder.options, `${where} (${kind} "${type}")`);
  return builder.build(options, where) as T;
}
