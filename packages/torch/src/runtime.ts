// Process-level controls and the generic operator entry point.
import { native, type CpuCacheStats } from "./native.js";
import { wrapResult } from "./dispatch.js";
import { Tensor } from "./tensor.js";

/** libtorch's version, e.g. "1.13.0". */
export const torchVersion: string = native.torchVersion;

/** Intra-op threads libtorch uses (torch.set_num_threads). */
export const setNumThreads = (n: number): void => native.setNumThreads(n);
export const getNumThreads = (): number => native.getNumThreads();

/** Seeds libtorch's default generator (torch.manual_seed). */
export const manualSeed = (seed: number): void => native.manualSeed(seed);

/** The default generator's state (torch.get_rng_state): a uint8 tensor to restore with setRngState. */
export const getRngState = (): Tensor => new Tensor(native.getRngState());
export const setRngState = (state: Tensor): void => native.setRngState(state.live("setRngState"));

/** Tensors of this thread not yet disposed or collected. */
export const liveTensors = (): number => native.liveTensors();

/** Bytes of native memory reported to V8 (so that garbage collection weighs it). */
export const externalMemory = (): number => native.externalMemory();

/**
 * Freed tensor buffers of 128 KiB or more are kept (up to a limit, 1 GiB by default) and reused for
 * later tensors of nearly the same size: a fresh buffer costs a page fault per 4 KiB on first touch.
 * These read the cache, change its limit (0 keeps nothing) and give its memory back to the system.
 */
export const cpuCacheStats = (): CpuCacheStats => native.cpuCacheStats();
export const setCpuCacheLimit = (bytes: number): void => native.setCpuCacheLimit(bytes);
export const emptyCpuCache = (): void => native.emptyCpuCache();

/**
 * Calls any dispatcher operator by name and overload, positionally (undefined takes the schema
 * default): callOp("aten::add", "Tensor", a, b). The typed functions are built on the same path.
 */
export function callOp(name: string, overload: string, ...args: unknown[]): unknown {
  const id = native.opId(name, overload);
  const nativeArgs = args.map((a) => {
    if (a instanceof Tensor) return a.live(name);
    if (Array.isArray(a)) return a.map((e) => (e instanceof Tensor ? e.live(name) : e));
    return a;
  });
  return wrapResult(native.call(id, ...nativeArgs), nativeArgs, args);
}
