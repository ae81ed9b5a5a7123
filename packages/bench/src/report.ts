import { machine, peerRuntime } from "./machine.js";

/**
 * Prints a suite's result as the last line of output: one JSON object with the suite's figures and
 * the machine facts they depend on (processor, vector extensions, libtorch/BLAS of both sides).
 */
export function report(suite: string, figures: Record<string, unknown>, options: { threads: number }): void {
  console.log(JSON.stringify({ suite, ...figures, threads: options.threads, machine: machine(), peer: peerRuntime() }));
}
