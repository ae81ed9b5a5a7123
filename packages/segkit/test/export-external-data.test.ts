// ONNX external data, as models over 2 GB need it (one protobuf message ends at 2 GB): the weights go
// to `<file>.data` beside the model, which onnxruntime-node runs from its path and onnx.checker
// (Debian python3-onnx) accepts with full_check. Forced here on a small network; "auto" only does it
// past the limit, which a test cannot afford to reach.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";

const dir = mkdtempSync(join(tmpdir(), "segkit-external-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function network(): nn.Module {
  torch.manualSeed(5);
  return new nn.Sequential(new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.Conv2d(16, 4, 1)).train(false);
}

test("externalData writes the weights beside the model; onnxruntime and onnx.checker read both", async () => {
  const net = network();
  const input = torch.randn([1, 3, 10, 12]);
  const recording = torch.recordForward(net, [input]);
  const file = join(dir, "net.onnx");
  torch.saveOnnx(recording, file, { externalData: true });
  assert.deepEqual(readdirSync(dir).sort(), ["net.onnx", "net.onnx.data"], "no temporary file is left");
  // The 3×3 conv's weight (16·3·9 floats) is the largest tensor; everything over 1 KiB is outside.
  const weightBytes = (16 * 3 * 9 + 16 + 4 * 16 + 4) * 4;
  assert.ok(statSync(join(dir, "net.onnx.data")).size >= 16 * 3 * 9 * 4);
  assert.ok(statSync(file).size < weightBytes, `the model file holds ${statSync(file).size} bytes`);

  const session = await ort.InferenceSession.create(file);
  const { output0 } = await session.run({ input0: new ort.Tensor("float32", input.toTypedArray() as Float32Array, input.shape) });
  await session.release();
  const expected = torch.noGrad(() => (net.call as (x: torch.Tensor) => torch.Tensor)(input));
  const got = torch.tensor(output0.data as Float32Array).reshape(expected.shape);
  assert.ok(torch.relativeDifference([got], [expected]) <= 1e-5);

  const check = spawnSync("/usr/bin/python3", ["-c", "import onnx, sys; onnx.checker.check_model(sys.argv[1], full_check=True)", file], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  recording.dispose();
});

test("by default a small model keeps its weights inside the one file", () => {
  const net = network();
  const recording = torch.recordForward(net, [torch.randn([1, 3, 8, 8])]);
  const file = join(dir, "inline.onnx");
  torch.saveOnnx(recording, file);
  assert.ok(!existsSync(join(dir, "inline.onnx.data")));
  assert.equal(statSync(file).size, torch.toOnnx(recording).byteLength);
  recording.dispose();
});
