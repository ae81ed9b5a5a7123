// The check DistributedDataParallel makes at start: every rank built the same model. Each rank's
// parameter and buffer names, shapes and dtypes are gathered, and every rank compares them with
// rank 0's, so that all ranks fail together with the same message naming the first difference.
import { tensor } from "../creation.js";
import type { Module } from "../nn/module.js";
import type { ProcessGroup } from "./process-group.js";

/** One line per parameter and buffer: "parameter conv.weight [8, 3, 3, 3] float32". */
function describeModel(model: Module): string[] {
  const line = (kind: string, name: string, t: { shape: number[]; dtype: string }) => `${kind} ${name} [${t.shape.join(", ")}] ${t.dtype}`;
  return [
    ...[...model.namedParameters()].map(([name, t]) => line("parameter", name, t)),
    ...[...model.namedBuffers()].map(([name, t]) => line("buffer", name, t)),
  ];
}

// Every rank's lines, in rank order (allGather needs equal shapes: the texts are padded to the longest).
async function gatherLines(lines: string[], group: ProcessGroup): Promise<string[][]> {
  const bytes = new TextEncoder().encode(lines.join("\n"));
  const length = tensor([bytes.length], { dtype: "int64" });
  const lengthsTensor = await group.allGather(length);
  const lengths = lengthsTensor.toArray() as number[];
  length.dispose();
  lengthsTensor.dispose();
  const padded = new Uint8Array(Math.max(...lengths));
  padded.set(bytes);
  const mine = tensor(padded, { dtype: "uint8" });
  const all = await group.allGather(mine);
  const flat = Uint8Array.from(all.toArray() as number[]);
  mine.dispose();
  all.dispose();
  const decoder = new TextDecoder();
  return lengths.map((n, r) => decoder.decode(flat.subarray(r * padded.length, r * padded.length + n)).split("\n"));
}

/** Fails on every rank, naming the first difference, unless all ranks of `group` hold models of the same structure. */
export async function checkSameModel(model: Module, group: ProcessGroup): Promise<void> {
  const ranks = await gatherLines(describeModel(model), group);
  const reference = ranks[0];
  for (let r = 1; r < ranks.length; r++) {
    const lines = ranks[r];
    const at = lines.findIndex((line, i) => line !== reference[i]);
    if (at === -1 && lines.length === reference.length) continue;
    const first = at === -1 ? lines.length : at;
    const theirs = lines[first] ?? "nothing";
    const ours = reference[first] ?? "nothing";
    throw new Error(`DistributedDataParallel: the models differ across ranks: at entry ${first + 1}, rank ${r} has ${theirs}, rank 0 has ${ours}` +
      (lines.length === reference.length ? "" : ` (rank ${r} has ${lines.length} parameters and buffers, rank 0 has ${reference.length})`));
  }
}
