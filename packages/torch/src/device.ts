// The device a run computes on ("cpu", "cuda", "cuda:N", as PyTorch names them) and whether the
// linked libtorch can use it. The dispatcher answers that for any libtorch, CPU-only or CUDA: one
// built without a backend has no kernel for it ("Could not run 'aten::empty.memory_format' with
// arguments from the 'CUDA' backend"), so no CUDA-specific call is needed in the addon.
import { readFileSync } from "node:fs";
import { empty } from "./generated/ops.js";
import { Tensor } from "./tensor.js";

const COMPUTE_DEVICE = /^(cpu|cuda(:\d+)?)$/;
// Device types the dispatcher knows, with the backend name its errors use.
const BACKENDS: [device: string, backend: string][] = [["cpu", "CPU"], ["cuda", "CUDA"], ["mps", "MPS"], ["xpu", "XPU"]];
const MISSING_BACKEND = /Could not run '[^']+' with arguments from the '(\w+)' backend/;

/** Checks that `value` names a compute device ("cpu", "cuda" or "cuda:N"); the error names `where`. */
export function checkDeviceName(value: unknown, where: string): asserts value is string {
  if (typeof value !== "string" || !COMPUTE_DEVICE.test(value)) {
    throw new Error(`${where} must be "cpu", "cuda" or "cuda:N" (N a device index), got ${JSON.stringify(value)}`);
  }
}

// An empty tensor on `device`: null when it could be made, else the dispatcher's error.
function probe(device: string): Error | null {
  try {
    empty([0], { device }).dispose();
    return null;
  } catch (e) {
    return e as Error;
  }
}

/** The device backends the linked libtorch was built with, of CPU, CUDA, MPS and XPU (built, even when no such device is present). */
export function builtBackends(): string[] {
  return BACKENDS.filter(([device]) => !MISSING_BACKEND.test(probe(device)?.message ?? "")).map(([, backend]) => backend);
}

/** The libtorch library mapped into this process, by path (from /proc/self/maps); "libtorch" where that cannot be read. */
export function linkedLibtorch(): string {
  let maps: string;
  try {
    maps = readFileSync("/proc/self/maps", "utf8");
  } catch {
    return "libtorch";
  }
  const paths = maps.split("\n").map((line) => line.slice(line.indexOf("/"))).filter((path) => /\/libtorch_cpu\.so/.test(path));
  return paths[0] ?? "libtorch";
}

/**
 * The device that tensors asked for on `device` land on ("cuda" → "cuda:0"), once checked that the
 * linked libtorch can hold tensors there; errors name `where`, and for a backend libtorch was built
 * without, the library and the backends it has.
 */
export function resolveDevice(device: string, where: string): string {
  checkDeviceName(device, where);
  let placed: Tensor;
  try {
    placed = empty([0], { device });
  } catch (e) {
    const missing = MISSING_BACKEND.exec((e as Error).message);
    if (missing !== null) {
      throw new Error(`${where} is ${device} but the linked libtorch (${linkedLibtorch()}) was built without ${missing[1]}; its backends: ${builtBackends().join(", ")}`);
    }
    throw new Error(`${where} is ${device} but libtorch cannot use it: ${(e as Error).message}`, { cause: e });
  }
  const resolved = placed.device;
  placed.dispose();
  return resolved;
}

/** `t` on `device`: `t` itself when it is there already, else a copy there (the caller then owns both). */
export function toDevice(t: Tensor, device: string): Tensor {
  return t.device === device ? t : t.to({ device });
}
