// How a loss file describes a loss to the registry: its option keys, a summary and a builder.
import type { Loss, Options } from "./helpers.js";

export interface LossSpec<T = Loss> {
  name: string;
  /** Former names that still build it (with a deprecation note). */
  formerly?: readonly string[];
  /** Option keys accepted from config (besides `type`). */
  options: readonly string[];
  summary: string;
  build(options: Options, where: string): T;
}
