// The ViT-based models export to ONNX and onnxruntime reproduces segkit's eval output within 1e-4
// relative, at a size that is not a multiple of the patch (zero padding and a resized position
// embedding recorded; bilinear for SETR and TransUNet, bicubic for Segmenter; TransUNet's sides are
// multiples of 16, so it is recorded at 48×64, a grid other than its 3×3 pretraining one). timm's antialiased bicubic resize has
// no ONNX translation: such a model is refused naming the op.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as ort from "onnxruntime-node";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";
import { relativeDifference } from "./fixtures/reference_weights.js";

const tmp = mkdtempSync(join(tmpdir(), "segkit-vit-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
torch.setNumThreads(1);

const VIT = { type: "vit", embedDim: 32, depth: 4, numHeads: 4, patchSize: 4, imgSize: 16, outIndices: [0, 1, 2, 3], finalNorm: false, posEmbedInterpolation: "bilinear" };
const ENCODER = { embedDim: 32, depth: 2, numHeads: 4, patchSize: 4, imgSize: 16 };
const TRANSUNET = {
  type: "transunet_r50_vit_b16", imgSize: 48, embedDim: 32, depth: 2, numHeads: 4, mlpDim: 64,
  resnet: { layers: [2, 2, 2], channels: [128, 256, 512], stemChannels: 32 }, decoderChannels: [32, 16, 16, 8],
};
const MODELS: [string, { type: string } & Record<string, unknown>, [number, number]?][] = [
  ["setr_pup", { type: "encoder_decoder", backbone: VIT, head: { type: "setr_up", inIndex: 3, channels: 8, numConvs: 2, upScale: 2, kernelSize: 3 } }],
  ["setr_mla", { type: "encoder_decoder", backbone: { ...VIT, withClsToken: false }, neck: { type: "mla", outChannels: 8 }, head: { type: "setr_mla", inIndex: [0, 1, 2, 3], mlaChannels: 4 } }],
  ["segmenter_mask", { type: "segmenter_mask_vit_s16", encoder: ENCODER }],
  ["segmenter_linear", { type: "segmenter_linear_vit_s16", encoder: ENCODER }],
  ["transunet", TRANSUNET, [48, 64]],
];

for (const [name, config, size = [30, 42] as [number, number]] of MODELS) {
  test(`${name} (reduced) exports to ONNX and onnxruntime reproduces the eval output on a ${size.join("×")} input`, async () => {
    const model = build<Segmentor>("model", { numClasses: 3, ...config }).eval();
    const file = join(tmp, `${name}.onnx`);
    exportModel(model, file, { format: "onnx", size, modelType: config.type });
    const input = torch.randn([1, 3, ...size]);
    const expected = torch.noGrad(() => model.call(input) as torch.Tensor);
    const session = await ort.InferenceSession.create(file);
    const result = await session.run({ image: new ort.Tensor("float32", input.toTypedArray() as Float32Array, input.shape) });
    await session.release();
    const got = torch.tensor(Array.from(result.logits.data as Float32Array)).reshape(expected.shape);
    const difference = relativeDifference(got, expected);
    assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
    for (const t of [input, expected, got]) t.dispose();
    model.dispose();
  });
}

test("an antialiased position-embedding resize is refused at export, naming the op", () => {
  const model = build<Segmentor>("model", { type: "segmenter_linear_vit_s16", numClasses: 3, encoder: { ...ENCODER, posEmbedInterpolation: "bicubic-antialias" } }).eval();
  assert.throws(() => exportModel(model, join(tmp, "aa.onnx"), { format: "onnx", size: [30, 42], modelType: "segmenter_linear_vit_s16" }), /no ONNX translation for aten::_upsample_bicubic2d_aa/);
  model.dispose();
});
