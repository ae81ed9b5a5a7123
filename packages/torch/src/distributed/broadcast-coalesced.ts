// c10d's broadcast_coalesced, as DistributedDataParallel broadcasts its buffers: the tensors of one
// dtype are flattened into buckets of at most `bucketBytes`, each bucket goes out in one broadcast
// and is copied back into the tensors, so that many small tensors cost a few collectives.
import { cat } from "../generated/ops.js";
import { noGrad } from "../autograd.js";
import { ELEMENT_BYTES } from "../pth/rebuild.js";
import { tidy } from "../scope.js";
import type { Tensor } from "../tensor.js";
import type { ProcessGroup } from "./process-group.js";

// torch.nn.parallel.DistributedDataParallel's broadcast_bucket_size (250 MiB).
export const BROADCAST_BUCKET_BYTES = 250 * 2 ** 20;

/** Consecutive runs of same-dtype tensors, each run at most `bucketBytes` (a larger tensor goes alone). */
function buckets(tensors: Tensor[], bucketBytes: number): Tensor[][] {
  const byDtype = new Map<string, Tensor[][]>();
  const bytesOf = new Map<Tensor[], number>();
  for (const t of tensors) {
    const runs = byDtype.get(t.dtype) ?? [];
    byDtype.set(t.dtype, runs);
    const bytes = t.numel() * (ELEMENT_BYTES[t.dtype] ?? 16);
    const last = runs.at(-1);
    if (last !== undefined && bytesOf.get(last)! + bytes <= bucketBytes) {
      last.push(t);
      bytesOf.set(last, bytesOf.get(last)! + bytes);
    } else {
      const run = [t];
      runs.push(run);
      bytesOf.set(run, bytes);
    }
  }
  return [...byDtype.values()].flat();
}

/** Copies rank `root`'s values of `tensors` (CPU; the same list of shapes and dtypes on every rank) into every rank's, in place. */
export async function broadcastCoalesced(group: ProcessGroup, tensors: Tensor[], root = 0, bucketBytes = BROADCAST_BUCKET_BYTES): Promise<void> {
  for (const bucket of buckets(tensors, bucketBytes)) {
    const flat = tidy(() => noGrad(() => cat(bucket.map((t) => t.reshape([-1])), 0)));
    try {
      await group.broadcast(flat, root);
      tidy(() => noGrad(() => {
        let offset = 0;
        for (const t of bucket) {
          t.copy_(flat.narrow(0, offset, t.numel()).view(t.shape));
          offset += t.numel();
        }
      }));
    } finally {
      flat.dispose();
    }
  }
}
