// Runs the PyTorch peer (../shared/peers/pytorch_peer.py beside the repository, on Debian's
// python3-torch) and returns the JSON object it prints last.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PYTHON, peerEnv } from "./machine.js";

export const PEER = fileURLToPath(new URL("../../../../../shared/peers/pytorch_peer.py", import.meta.url));

export function runPeer(args: string[]): Record<string, unknown> {
  const out = execFileSync(PYTHON, [PEER, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20, env: peerEnv() });
  return JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
}
