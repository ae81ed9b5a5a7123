// The exported-model check of the zoo tests: a model exported at a small size as ONNX and as
// TorchScript; onnxruntime-node's output and Python's torch.jit.load module's (Debian python3-torch)
// equal segkit's eval output within 1e-4 relative, and onnx.checker.check_model(full_check=True)
// (Debian python3-onnx) accepts the ONNX file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import type { Segmentor } from "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";

const PYTHON = "/usr/bin/python3"; // Debian's python with torch and onnx (not the one on PATH)

/** The largest |a − b| over the largest |b|. */
function relative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return difference / scale;
}

const PYTHON_CHECK = `
import sys, numpy, onnx, torch
base, shape = sys.argv[1], [int(v) for v in sys.argv[2:]]
x = torch.from_numpy(numpy.fromfile(base + ".input", dtype=numpy.float32).reshape(shape))
expected = numpy.fromfile(base + ".expected", dtype=numpy.float32)
got = torch.jit.load(base + ".pt")(x).detach().numpy().ravel()
onnx.checker.check_model(onnx.load(base + ".onnx"), full_check=True)
print(float(numpy.abs(got - expected).max() / numpy.abs(expected).max()))`;

/** Exports `model` (registered as `name`, in eval mode) into `dir` at `size` and checks both files as above; removes them after. */
export async function assertExportsReproduce(model: Segmentor, name: string, size: [number, number], dir: string): Promise<void> {
  const base = join(dir, name);
  exportModel(model, base + ".onnx", { format: "onnx", size, modelType: name });
  exportModel(model, base + ".pt", { format: "torchscript", size, modelType: name });
  const input = torch.randn([1, 3, ...size]);
  const expected = torch.noGrad(() => model.call(input)).toTypedArray() as Float32Array;
  writeFileSync(base + ".input", input.toTypedArray());
  writeFileSync(base + ".expected", expected);
  const session = await ort.InferenceSession.create(base + ".onnx");
  const result = await session.run({ image: new ort.Tensor("float32", input.toTypedArray() as Float32Array, input.shape) });
  await session.release();
  const difference = relative(result.logits.data as Float32Array, expected);
  assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
  const run = spawnSync(PYTHON, ["-c", PYTHON_CHECK, base, ...input.shape.map(String)], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const scripted = Number(run.stdout);
  assert.ok(scripted <= 1e-4, `torch.jit.load's module differs by ${run.stdout.trim()} relative`);
  for (const ext of [".onnx", ".pt", ".input", ".expected"]) rmSync(base + ext);
  input.dispose();
}
