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

