// Which dataset indices a rank takes in an epoch, as torch.utils.data.distributed.DistributedSampler
// (1.13) chooses them: a permutation from torch.randperm seeded with seed + epoch (the same on every
// rank), then every worldSize-th index from the rank's own. "pad" (training; PyTorch's default)
// repeats indices from the start so that every shard has the same size, "drop" (drop_last) cuts the
// tail instead; "keep" (evaluation) neither pads nor drops, so every sample is seen exactly once and
// shards differ in size by at most one: PyTorch's sampler has no such mode.
import { getRngState, manualSeed, setRngState } from "../runtime.js";
import { randperm } from "../generated/ops.js";

export interface ShardOptions {
  rank: number;
  worldSize: number;
  /** Permute the indices each epoch (default true). */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** What happens to a dataset length that worldSize does not divide (default "pad"). */
  remainder?: "pad" | "drop" | "keep";
}

// torch.randperm(length) from a generator seeded with `seed`; the default generator's state is kept.
function permutation(length: number, seed: number): number[] {
  const saved = getRngState();
  try {
    manualSeed(seed);
    const perm = randperm(length, { dtype: "int64" });
    const out = perm.toArray();
    perm.dispose();
    return out;
  } finally {
    setRngState(saved);
    saved.dispose();
  }
}

/** The dataset indices rank `rank` takes in epoch `epoch`. */
export function shardIndices(length: number, options: ShardOptions): number[] {
  const { rank, worldSize, shuffle = true, seed = 0, epoch = 0, remainder = "pad" } = options;
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`shardIndices: length must be a non-negative integer, got ${length}`);
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`shardIndices: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`shardIndices: rank must be in [0, ${worldSize}), got ${rank}`);
  if (!Number.isInteger(seed + epoch) || seed + epoch < 0) throw new RangeError(`shardIndices: seed + epoch must be a non-negative integer, got ${seed + epoch}`);
  return takeShard(shuffle ? permutation(length, seed + epoch) : Array.from({ length }, (_, i) => i), { rank, worldSize, remainder });
}

/** Rank `rank`'s share of `order` (an epoch's sample order, the same on every rank): every worldSize-th entry, after padding or dropping. */
export function takeShard(order: number[], { rank, worldSize, remainder = "pad" }: Pick<ShardOptions, "rank" | "worldSize" | "remainder">): number[] {
  let indices = order;
  const length = order.length;
  if (remainder === "pad") {
    const total = Math.ceil(length / worldSize) * worldSize;
    while (indices.length < total && length > 0) indices = indices.concat(indices.slice(0, total - indices.length));
  } else if (remainder === "drop") {
    indices = indices.slice(0, Math.floor(length / worldSize) * worldSize);
  }
  return indices.filter((_, i) => i % worldSize === rank);
}
