// Gradient modes and explicit gradient computation.
import { native } from "./native.js";
import { Tensor } from "./tensor.js";

function synchronously<T>(what: string, fn: () => T, restore: () => void): T {
  let result: T;
  try {
    result = fn();
  } finally {
    restore();
  }
  if (result instanceof Promise) {
    throw new TypeError(`${what}(fn): fn returned a Promise; the mode only covers synchronous code (use setGradEnabled for async)`);
  }
  return result;
}

/** Runs `fn` with gradient recording off (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const previous = native.isGradEnabled();
  native.setGradEnabled(false);
  return synchronously("noGrad", fn, () => native.setGradEnabled(previous));
}

/** Runs `fn` with gradient recording on (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  const previous = native.isGradEnabled();
  native.setGradEnabled(true);
  return synchronously("enableGrad", fn, () => native.setGradEnabled(previous));
}

/** Runs `fn` in inference mode (torch.inference_mode): no autograd, no version counters. */
export function inferenceMode<T>(fn: () => T): T {
  native.enterInferenceMode();
  return synchronously("inferenceMode", fn, () => native.exitInferenceMode());
}

export const isGradEnabled = (): boolean => native.isGradEnabled();
export const setGradEnabled = (on: boolean): void => native.setGradEnabled(on);
export const isInferenceMode = (): boolean => native.isInferenceMode();

export interface GradOptions {
  gradOutputs?: (Tensor | null)[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** Accumulates gradients of `outputs` into the leaves' .grad (torch.autograd.backward). */
export function backward(outputs: Tensor[], gradOutputs: (Tensor | null)[] = [], options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  native.backward(outputs.map((t) => t.live("backward")), gradOutputs.map((g) => (g ? g.live("backward") : null)),
    options.retainGraph ?? false, options.createGraph ?? false);
}

/** d(outputs)/d(inputs) without touching .grad (torch.autograd.grad); null for unused inputs when allowed. */
export function grad(outputs: Tensor[], inputs: Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const result = native.autogradGrad(outputs.map((t) => t.live("grad")), inputs.map((t) => t.live("grad")),
    (options.gradOutputs ?? []).map((g) => (g ? g.live("grad") : null)), options.retainGraph,
    options.createGraph ?? false, options.allowUnused ?? false);
  return result.map((h) => (h === null ? null : new Tensor(h)));
}
