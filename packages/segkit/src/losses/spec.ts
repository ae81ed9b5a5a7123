// How a loss file describes a loss to the registry: its option keys, a summary and a builder.
import type { Loss } from "./helpers.js";
import type { Options } from "./helpers.js";

export interface LossSpec {
  name: string;
  /** Option keys accepted from config (besides `type`). */
  options: readonly string[];
  summary: string;
  build(options: Options, where: string): Loss;
}
