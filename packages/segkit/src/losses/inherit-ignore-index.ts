// Which pixels a loss ignores comes from the model (and, inside a loss made of losses, from the loss
// that contains it): a loss config that takes an ignoreIndex but names none inherits it. A sub-loss of
// compound / deep_supervision naming a different one is an error, since the two would disagree on
// which pixels count.
import { builderOf, currentName, registered, type Config } from "../config/registry.js";

export function inheritIgnoreIndex(config: Config, ignoreIndex: number, where: string, conflict: "keep" | "refuse"): Config {
  // Unknown types are left for build() to reject with the config path.
  if (typeof config?.type !== "string") return config;
  const type = currentName("loss", config.type);
  if (!registered("loss").includes(type) || !builderOf("loss", type).options.includes("ignoreIndex")) return config;
  if (!("ignoreIndex" in config)) return { ...config, ignoreIndex };
  if (conflict === "refuse" && config.ignoreIndex !== ignoreIndex) {
    throw new RangeError(`${where}: "ignoreIndex" is ${JSON.stringify(config.ignoreIndex)} but the loss containing it ignores ${ignoreIndex}; leave it out to inherit`);
  }
  return config;
}
