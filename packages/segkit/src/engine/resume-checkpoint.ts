// Which checkpoint --resume continues from. One process: the newest in its work dir. Distributed:
// rank 0's newest, for every rank: rank 0 sends the file's bytes and the other ranks resume from a
// private copy, so that all continue from the same iteration, weights, optimizer and RNG state even
// when the nodes share no folder (only rank 0 writes checkpoints).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import * as torch from "@segkit/torch";
import { CheckpointKeeper } from "./checkpoint.js";
import { checkpointDir } from "./hooks/checkpoint-hook.js";

export interface ResumePoint {
  /** The file this rank loads. */
  path: string;
  /** Deletes this rank's copy (nothing on rank 0 or a single process). */
  release(): void;
}

async function broadcastBytes(group: torch.distributed.ProcessGroup, bytes: Uint8Array | null): Promise<Uint8Array> {
  const length = torch.tensor([bytes?.length ?? 0], { dtype: "int64" });
  await group.broadcast(length, 0);
  const n = length.item();
  length.dispose();
  if (n === 0) return new Uint8Array(0);
  const data = bytes === null ? torch.zeros([n], { dtype: "uint8" }) : torch.tensor(bytes, { dtype: "uint8" });
  try {
    await group.broadcast(data, 0);
    return bytes ?? (data.toTypedArray() as Uint8Array);
  } finally {
    data.dispose();
  }
}

/** The checkpoint every rank resumes from (null: none in rank 0's work dir, a fresh start). Every rank of `group` calls it. */
export async function resumePoint(workDir: string, group: torch.distributed.ProcessGroup | null): Promise<ResumePoint | null> {
  const latest = group === null || group.rank === 0 ? new CheckpointKeeper(checkpointDir(workDir)).latest() : null;
  if (group === null) return latest === null ? null : { path: latest, release: () => {} };
  const encoder = new TextEncoder();
  const name = new TextDecoder().decode(await broadcastBytes(group, latest === null ? null : encoder.encode(basename(latest))));
  const bytes = await broadcastBytes(group, latest === null ? null : readFileSync(latest));
  if (name === "") return null;
  if (group.rank === 0) return { path: latest!, release: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "segkit-resume-"));
  const path = join(dir, `rank0-${name}`);
  writeFileSync(path, bytes);
  return { path, release: () => rmSync(dir, { recursive: true, force: true }) };
}
