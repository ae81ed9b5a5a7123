// Runs the PyTorch peer (../shared/peers/pytorch_peer.py, on Debian's python3-torch) and returns the
// JSON object it prints last. Shared by the benchmark suites.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PEER = fileURLToPath(new URL("../../../../../shared/peers/pytorch_peer.py", import.meta.url));
export const PYTHON = "/usr/bin/python3";

export function runPeer(args: string[]): Record<string, unknown> {
  const out = execFileSync(PYTHON, [PEER, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop()!);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
