// Config-driven construction: every buildable thing (model, backbone, neck, head, loss, dataset,
// transform, optimizer, schedule, training hook) registers a builder under a name with the option keys it accepts;
// build({ type, ...options }) finds it and rejects unknown names and keys, suggesting the closest.
import { didYouMean } from "./closest.js";

export type Kind = "model" | "backbone" | "neck" | "head" | "loss" | "dataset" | "transform" | "optimizer" | "schedule" | "hook";

export interface Builder<T = unknown> {
  /** Option keys the builder accepts (besides `type`). */
  options: readonly string[];
  build(options: Record<string, unknown>): T;
  /** One line for listings (`segkit models`, error messages). */
  summary?: string;
}

export interface Config {
  type: string;
  [key: string]: unknown;
}

const registries = new Map<Kind, Map<string, Builder>>();

function registry(kind: Kind): Map<string, Builder> {
  let r = registries.get(kind);
  if (!r) registries.set(kind, (r = new Map()));
  return r;
}

export function register<T>(kind: Kind, name: string, builder: Builder<T>): void {
  const r = registry(kind);
  if (r.has(name)) throw new Error(`${kind} "${name}" is registered twice`);
  r.set(name, builder as Builder);
}

export function registered(kind: Kind): string[] {
  return [...registry(kind).keys()].sort();
}

export function builderOf(kind: Kind, name: string): Builder {
  const b = registry(kind).get(name);
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
  return builder.build(options) as T;
}
