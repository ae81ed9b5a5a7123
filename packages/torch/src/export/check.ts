// A recording bakes in every size and branch TypeScript computed from the example input. Running it
// on a second input and comparing with the module itself shows whether that was harmless.
import type { Tensor } from "../tensor.js";
import type { Module } from "../nn/module.js";
import { tidy } from "../scope.js";
import { noGrad } from "../autograd.js";
import { callOf, type Recording, type RecordOptions } from "./record.js";

/** The largest |a − b| / (max |b| + tiny) over the outputs; shapes must match. */
export function relativeDifference(actual: Tensor[], expected: Tensor[]): number {
  if (actual.length !== expected.length) throw new Error(`export: ${actual.length} outputs, expected ${expected.length}`);
  return tidy(() => Math.max(...actual.map((a, i) => {
    const b = expected[i];
    if (a.shape.join() !== b.shape.join()) throw new Error(`export: output ${i} has shape [${a.shape}], expected [${b.shape}]`);
    return a.sub(b).abs().max().item() / (b.abs().max().item() + 1e-12);
  })));
}

/**
 * Throws unless the recording computes what `module` computes on `inputs` (a second input, not the
 * one recorded; `run` as it was recorded) within `tolerance` relative to the output's magnitude; returns the difference.
 */
export function checkRecording(recording: Recording, module: Module, inputs: Tensor[], tolerance = 1e-4, { run = callOf(module) }: RecordOptions = {}): number {
  return noGrad(() => tidy(() => {
    const result = run(...inputs);
    const expected = Array.isArray(result) ? result as Tensor[] : [result as Tensor];
    const difference = relativeDifference(recording.run(inputs), expected);
    if (!(difference <= tolerance)) {
      throw new Error(`export: the recorded graph differs from the model on a second input (relative difference ${difference.toExponential(2)}): ` +
        "a size or value computed in TypeScript became a constant of the graph; export at the size it will run at");
    }
    return difference;
  }));
}
