// Export options beyond a fixed-size logits graph: --dynamic (batch, height and width free) holds
// only for graphs that take no size, which a second recording at another batch size and image size
// proves; a model whose graph bakes a size is refused naming the operator. --with-preprocess puts
// the config's normalisation inside the graph (uint8 RGB NHWC in), --argmax gives class ids out.
// Shapes a model computes from other tensors' sizes through sizeOf stay computed in the ONNX graph
// (Shape, Gather), so such a graph has dynamic axes too. Each file is run by onnxruntime-node and
// compared with the model.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOnnxFile, exportModel } from "../src/engine/export-model.js";
import { IMAGENET_MEAN, IMAGENET_STD } from "../src/data/transforms/normalize.js";

const PYTHON = "/usr/bin/python3"; // Debian's python with onnx
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "segkit-export-dynamic-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);
torch.manualSeed(3);

const unet = build<Segmentor>("model", { type: "unet", numClasses: 4, widths: [4, 8] }).eval();

/** onnx.checker.check_model(full_check=True), which also infers every shape through the dynamic axes. */
function checkInPython(file: string): void {
  const r = spawnSync(PYTHON, ["-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", file], { encoding: "utf8" });
  assert.equal(r.status, 0, `${file}: ${r.stderr}`);
}

async function runOnnx(file: string, input: torch.Tensor): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(file);
  try {
    const type = input.dtype === "uint8" ? "uint8" : "float32";
    const result = await session.run({ [session.inputNames[0]]: new ort.Tensor(type, input.toTypedArray() as Float32Array | Uint8Array, input.shape) });
    return result[session.outputNames[0]];
  } finally {
    await session.release();
  }
}

/** Runs `file` at each input shape and compares it with `model` on the same input. */
async function assertRunsLike(file: string, model: (x: torch.Tensor) => torch.Tensor, shapes: number[][], tolerance: number): Promise<void> {
  for (const shape of shapes) {
    const input = torch.randn(shape);
    const got = await runOnnx(file, input);
    const expected = torch.noGrad(() => model(input));
    assert.deepEqual(got.dims, expected.shape, `shape ${shape}`);
    const difference = torch.relativeDifference([torch.tensor(got.data as Float32Array, { shape: expected.shape })], [expected]);
    assert.ok(difference <= tolerance, `shape ${shape}: differs by ${difference}`);
    for (const t of [input, expected]) t.dispose();
  }
}

test("--dynamic: a graph that takes no size runs at other batch sizes and image sizes, equal to the model", async () => {
  const file = join(tmp, "unet-dynamic.onnx");
  exportModel(unet, file, { format: "onnx", size: [32, 32], modelType: "unet", dynamic: true });
  await assertRunsLike(file, (x) => unet.call(x), [[1, 3, 32, 32], [3, 3, 48, 80], [2, 3, 16, 24]], 1e-4);
  checkInPython(file);
  // The TorchScript file of the same graph holds at other sizes too (checked at export on the second recording's shape).
  exportModel(unet, join(tmp, "unet-dynamic.pt"), { format: "torchscript", size: [32, 32], modelType: "unet", dynamic: true });
});

test("--dynamic is refused for a model whose graph bakes a size, naming the operator and the sizes", () => {
  const fastScnn = build<Segmentor>("model", { type: "fast_scnn", numClasses: 3 }).eval();
  const file = join(tmp, "fast-scnn.onnx");
  assert.throws(() => exportModel(fastScnn, file, { format: "onnx", size: [64, 64], modelType: "fast_scnn", dynamic: true }),
    /--dynamic: fast_scnn bakes a size into its graph \(aten::upsample_bilinear2d takes \[2, 2\] at the first shape but \[3, 3\] at the second\); export it without --dynamic/);
  assert.ok(!readdirSync(tmp).includes("fast-scnn.onnx"), "no file is written");
  // Without --dynamic the same model exports at its size.
  exportModel(fastScnn, file, { format: "onnx", size: [64, 64], modelType: "fast_scnn" });
  fastScnn.dispose();
});

class ForwardOf extends torch.nn.Module {
  constructor(readonly body: (x: torch.Tensor) => torch.Tensor) { super(); }
  override forward(x: torch.Tensor): torch.Tensor { return this.body(x); }
}

test("a graph that is the same at every size but whose ONNX translation writes recorded sizes refuses dynamic axes", () => {
  // adaptive pooling's argument (the bins) does not depend on the size, but its ONNX pooling windows are laid out for the recorded one.
  const pooling = new ForwardOf((x) => torch.adaptiveAvgPool2d(x, [2, 2]));
  torch.tidy(() => {
    const recording = torch.recordForward(pooling, [torch.randn([1, 3, 4, 4])]);
    assert.throws(() => torch.toOnnx(recording, { inputNames: ["x"], dynamicAxes: { x: { 0: "batch" } } }),
      /export: aten::adaptive_avg_pool2d is written with its recorded sizes, so the file cannot have dynamic axes/);
    assert.ok(torch.toOnnx(recording).length > 0, "without dynamic axes it is written");
    recording.dispose();
  });
});

test("shapes computed with sizeOf stay computed in the ONNX graph: one file runs at other batch sizes and image sizes", async () => {
  // Two channel groups summed (reshape), pooled, upsampled back to the unpooled size (odd sizes too),
  // flattened, a slice from the end and an expand over a new axis: every size the pass takes comes from its input.
  const net = new ForwardOf((x) => {
    const grouped = x.reshape([torch.sizeOf(x, 0), 2, -1, torch.sizeOf(x, 2), torch.sizeOf(x, 3)]).sum([1]);
    const up = torch.upsampleBilinear2d(torch.avgPool2d(grouped, 2), [torch.sizeOf(grouped, 2), torch.sizeOf(grouped, 3)], false);
    const tokens = up.add(grouped).flatten(2).slice(2, 1, -1);
    return tokens.unsqueeze(0).expand([2, torch.sizeOf(tokens, 0), -1, -1]);
  });
  const file = join(tmp, "sized.onnx");
  torch.tidy(() => {
    const recording = torch.recordForward(net, [torch.randn([1, 4, 6, 8])]);
    const other = torch.recordForward(net, [torch.randn([2, 6, 5, 7])]);
    assert.equal(torch.bakedSizes(recording, other), null);
    torch.saveOnnx(recording, file, { inputNames: ["x"], dynamicAxes: { x: { 0: "batch", 1: "channels", 2: "height", 3: "width" }, output0: { 1: "batch", 2: "groups", 3: "tokens" } } });
    for (const r of [recording, other]) r.dispose();
  });
  await assertRunsLike(file, (x) => net.call(x), [[1, 4, 6, 8], [3, 2, 9, 5], [2, 6, 4, 11]], 1e-5);
  checkInPython(file);
});

test("--with-preprocess: uint8 NHWC pixels in, normalised in the graph; with --argmax, class ids out", async () => {
  const preprocess = { mean: IMAGENET_MEAN as [number, number, number], std: IMAGENET_STD as [number, number, number] };
  const file = join(tmp, "unet-pixels.onnx");
  exportModel(unet, file, { format: "onnx", size: [32, 32], modelType: "unet", preprocess, dynamic: true });
  const pixels = torch.tidy(() => torch.rand([2, 48, 32, 3]).mul(255).to("uint8"));
  const got = await runOnnx(file, pixels);
  const normalised = torch.tidy(() => pixels.to("float32").permute([0, 3, 1, 2])
    .sub(torch.tensor(Float32Array.from(IMAGENET_MEAN), { shape: [1, 3, 1, 1] })).div(torch.tensor(Float32Array.from(IMAGENET_STD), { shape: [1, 3, 1, 1] })));
  const expected = torch.noGrad(() => unet.call(normalised));
  assert.deepEqual(got.dims, [2, 4, 48, 32]);
  const difference = torch.relativeDifference([torch.tensor(got.data as Float32Array, { shape: expected.shape })], [expected]);
  assert.ok(difference <= 1e-4, `differs by ${difference}`);

  const labelsFile = join(tmp, "unet-labels.onnx");
  exportModel(unet, labelsFile, { format: "onnx", size: [32, 32], modelType: "unet", preprocess, argmax: true });
  assert.ok(await checkOnnxFile(labelsFile, unet, [1, 32, 32], { preprocess, argmax: true }) <= 0.001);
  const labels = await runOnnx(labelsFile, pixels.slice(0, 0, 1).slice(1, 0, 32).contiguous());
  assert.equal(labels.type, "int64");
  assert.deepEqual(labels.dims, [1, 32, 32]);
});

test("segkit export --dynamic --with-preprocess --argmax takes the config's normalisation and checks the file on a second shape", async () => {
  const config = join(tmp, "config.json");
  const checkpoint = join(tmp, "unet.safetensors");
  const mean = [10, 20, 30];
  const std = [2, 4, 8];
  writeFileSync(config, JSON.stringify({
    model: { type: "unet", numClasses: 4, widths: [4, 8] },
    data: { train: { dataset: { type: "synthetic" } }, val: { dataset: { type: "synthetic" }, pipeline: [{ type: "normalize", mean, std }] } },
  }));
  torch.saveSafetensors(checkpoint, unet.stateDict());
  const out = join(tmp, "cli.onnx");
  const r = spawnSync(process.execPath, [CLI, "export", config, checkpoint, "--format", "onnx", "--out", out, "--size", "32", "32", "--dynamic", "--with-preprocess", "--argmax"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /onnx written to .*cli\.onnx \(dynamic batch and size; on a second input, 2×40×48, it differs from the model by .* of the pixels\)/);
  const preprocess = { mean: mean as [number, number, number], std: std as [number, number, number] };
  checkInPython(out);
  assert.ok(await checkOnnxFile(out, unet, [3, 24, 40], { preprocess, argmax: true }) <= 0.001, "the config's mean and std are in the graph");
  const wrong = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  assert.ok(await checkOnnxFile(out, unet, [3, 24, 40], { preprocess: wrong, argmax: true }) > 0.01, "another normalisation gives other labels");
});
