// The launcher behind `--nproc-per-node`, as torchrun starts ranks: one child process per local rank,
// each told its place through the environment variables torch.distributed reads (MASTER_ADDR,
// MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK, LOCAL_WORLD_SIZE) and given an equal share of the cores
// (OMP_NUM_THREADS and train.threads). The launcher supervises them: when one fails, the others are
// stopped and the error names the rank that failed first.
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";

export interface LaunchOptions {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** The segkit command every rank runs (e.g. ["train", "config.json", "--resume"]). */
  command: string[];
}

function checkInteger(value: number, flag: string, min: number, max = Infinity): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${flag} must be an integer in [${min}, ${max}], got ${value}`);
}

/** Cores ÷ local ranks (at least 1): each rank's threads. */
export function threadsPerRank(nprocPerNode: number): number {
  return Math.max(1, Math.floor(availableParallelism() / nprocPerNode));
}

/** Runs `command` as this node's ranks; resolves when all succeeded, rejects naming the first rank that failed. */
export function launchRanks(o: LaunchOptions): Promise<void> {
  checkInteger(o.nprocPerNode, "--nproc-per-node", 1);
  checkInteger(o.nnodes, "--nnodes", 1);
  checkInteger(o.nodeRank, "--node-rank", 0, o.nnodes - 1);
  checkInteger(o.masterPort, "--master-port", 1, 65535);
  const threads = threadsPerRank(o.nprocPerNode);
  const worldSize = o.nnodes * o.nprocPerNode;
  const children: { rank: number; child: ChildProcess }[] = [];
  for (let local = 0; local < o.nprocPerNode; local++) {
    const rank = o.nodeRank * o.nprocPerNode + local;
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...o.command, "--set", `train.threads=${threads}`], {
      stdio: "inherit",
      env: {
        ...process.env,
        MASTER_ADDR: o.masterAddr,
        MASTER_PORT: String(o.masterPort),
        WORLD_SIZE: String(worldSize),
        RANK: String(rank),
        LOCAL_RANK: String(local),
        LOCAL_WORLD_SIZE: String(o.nprocPerNode),
        OMP_NUM_THREADS: String(threads),
      },
    });
    children.push({ rank, child });
  }
  return new Promise((resolve, reject) => {
    let running = children.length;
    let failed = false;
    for (const { rank, child } of children) {
      child.on("exit", (code, signal) => {
        running--;
        if ((code !== 0 || signal !== null) && !failed) {
          failed = true;
          for (const other of children) if (other.child.exitCode === null && other.child.signalCode === null) other.child.kill("SIGTERM");
          reject(new Error(`rank ${rank} failed (${signal !== null ? `killed by ${signal}` : `exit code ${code}`}); the other ranks were stopped`));
        }
        if (running === 0 && !failed) resolve();
      });
    }
  });
}
