// A Python peer that stays up for a whole benchmark: it prepares its inputs once, prints "ready",
// then answers one request line with one result line, so that its rounds can alternate with ours
// without paying interpreter start-up or losing its warm caches between rounds.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { PYTHON, peerEnv } from "./machine.js";

export interface LinePeer {
  /** Sends one request line and resolves to the peer's one-line answer. */
  request(line: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts Debian's python3 (or `command`) with `args` (["-c", code, ...] or [file, ...]) and waits
 * for "ready".
 */
export async function startLinePeer(args: string[], env: NodeJS.ProcessEnv = process.env, command = PYTHON): Promise<LinePeer> {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"], env: command === PYTHON ? peerEnv(env) : env });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error("the Python peer exited early (its stderr is above)");
    return value as string;
  };
  const first = await next();
  if (first !== "ready") throw new Error(`the Python peer said "${first}" instead of "ready"`);
  return {
    async request(line) {
      child.stdin.write(`${line}\n`);
      return next();
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
