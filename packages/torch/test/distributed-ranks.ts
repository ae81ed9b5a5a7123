// Launches ranks as child processes on loopback the way torchrun does (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK in the environment) and reads the JSON lines they print.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const SEGKIT_RANK = [process.execPath, fileURLToPath(new URL("./distributed-child.js", import.meta.url))];
export const PYTHON_RANK = ["/usr/bin/python3", fileURLToPath(new URL("../../test/distributed_peer.py", import.meta.url))];

/** What the "peer" collectives (distributed-child.ts, distributed_peer.py) give every rank of 2. */
export const EXPECTED_PEER_RESULTS = {
  sum: [1 + 2, 10 + 20],
  max: [1, 5],
  broadcast: [1, 1, 1],
  gathered: [0, 0, 1, 1],
  gatheredShape: [2, 2],
};

export { freePort } from "../src/distributed/free-port.js";

export interface RankSpec {
  rank: number;
  worldSize: number;
  port: number;
  timeoutMs: number;
}

export type Line = Record<string, unknown>;

export interface LaunchedRank {
  /** Resolves with the first JSON line the rank prints. */
  firstLine: Promise<Line>;
  /** Resolves when the rank exits: its last JSON line, exit status and stderr. */
  exit: Promise<{ last: Line | undefined; code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): void;
}

/** Starts `command` (SEGKIT_RANK or PYTHON_RANK) with `args` as one rank; killed after 60 s whatever happens. */
export function launchRank(command: string[], args: string[], spec: RankSpec): LaunchedRank {
  const child = spawn(command[0], [...command.slice(1), ...args], {
    env: {
      ...process.env,
      MASTER_ADDR: "127.0.0.1",
      MASTER_PORT: String(spec.port),
      WORLD_SIZE: String(spec.worldSize),
      RANK: String(spec.rank),
      GLOO_SOCKET_IFNAME: "lo",
      SEGKIT_DIST_TIMEOUT_MS: String(spec.timeoutMs),
    },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  const lines: Line[] = [];
  let stdout = "";
  let stderr = "";
  let onFirst: (line: Line) => void = () => {};
  const firstLine = new Promise<Line>((resolve) => (onFirst = resolve));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    const complete = stdout.split("\n");
    stdout = complete.pop()!;
    for (const text of complete) {
      if (!text.startsWith("{")) continue;
      const line = JSON.parse(text) as Line;
      if (lines.push(line) === 1) onFirst(line);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exit = new Promise<Awaited<LaunchedRank["exit"]>>((resolve) => {
    child.on("close", (code, signal) => resolve({ last: lines.at(-1), code, signal, stderr }));
  });
  return { firstLine, exit, kill: () => child.kill("SIGKILL") };
}
