// Where the ranks meet: the fields torchrun sets in the environment (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK; GLOO_SOCKET_IFNAME as torch.distributed reads it), each overridable by an option.
export interface RendezvousOptions {
  /** Address of rank 0, which hosts the rendezvous store (MASTER_ADDR). */
  masterAddr: string;
  /** Port of the rendezvous store (MASTER_PORT). */
  masterPort: number;
  /** This process's rank, 0 ≤ rank < worldSize (RANK). */
  rank: number;
  /** Number of ranks (WORLD_SIZE). */
  worldSize: number;
  /** How long start-up and each collective may take before failing; torch.distributed's default is 30 minutes. */
  timeoutMs: number;
  /** Network interfaces Gloo uses (GLOO_SOCKET_IFNAME, comma-separated); none: the host name's address. */
  interfaces: string[];
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
// The native side keeps milliseconds in a 32-bit integer (24.8 days).
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function integerFrom(given: number | undefined, variable: string, option: string, env: NodeJS.ProcessEnv): number {
  if (given !== undefined) {
    if (!Number.isInteger(given)) throw new TypeError(`initProcessGroup: ${option} must be an integer, got ${given}`);
    return given;
  }
  const text = env[variable];
  if (text === undefined || text === "") {
    throw new Error(`initProcessGroup: ${variable} is not set (and no ${option} option was given)`);
  }
  const value = Number(text);
  if (!Number.isInteger(value)) throw new TypeError(`initProcessGroup: ${variable}=${JSON.stringify(text)} is not an integer`);
  return value;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`initProcessGroup: ${message}`);
}

/** The rendezvous fields from `given`, else from `env`; errors name the missing or bad variable. */
export function rendezvousConfig(given: Partial<RendezvousOptions> = {}, env: NodeJS.ProcessEnv = process.env): RendezvousOptions {
  const masterAddr = given.masterAddr ?? env.MASTER_ADDR;
  if (masterAddr === undefined || masterAddr === "") {
    throw new Error("initProcessGroup: MASTER_ADDR is not set (and no masterAddr option was given)");
  }
  const masterPort = integerFrom(given.masterPort, "MASTER_PORT", "masterPort", env);
  const worldSize = integerFrom(given.worldSize, "WORLD_SIZE", "worldSize", env);
  const rank = integerFrom(given.rank, "RANK", "rank", env);
  const timeoutMs = given.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  check(masterPort >= 1 && masterPort <= 65535, `the master port must be in [1, 65535], got ${masterPort} (MASTER_PORT)`);
  check(worldSize >= 1, `the world size must be at least 1, got ${worldSize} (WORLD_SIZE)`);
  check(rank >= 0 && rank < worldSize, `the rank must be in [0, ${worldSize}) for world size ${worldSize}, got ${rank} (RANK)`);
  check(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS,
    `timeoutMs must be an integer in [1, ${MAX_TIMEOUT_MS}], got ${timeoutMs}`);
  const interfaces = given.interfaces ?? (env.GLOO_SOCKET_IFNAME ?? "").split(",").filter((name) => name !== "");
  return { masterAddr, masterPort, rank, worldSize, timeoutMs, interfaces };
}
