// `segkit models` counts parameters on the meta device: the counts equal those of the allocated
// models, and a model whose parameters would fill tens of gigabytes counts in an instant.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build, registered } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";

// The FCN-VGG variants and DeconvNet spend 18 s initialising fc6 (4096 × 512 × 7 × 7) on this machine: narrower here.
// SegFormer-B2…B5, SegNeXt-S…L and Semantic FPN on PVT v1-Small…Large, PVT v2-B2…B5 and PoolFormer-S24…M48 spend
// seconds each initialising 22–85 M parameters, the ViT-based models 22–330 M: their depths at narrow
// widths here (TransUNet's R50 too).
const NARROW_MIT = { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], decoderChannels: 32 };
const NARROW_PVT = { embedDims: [16, 32, 48, 64], numHeads: [1, 2, 3, 4], neckChannels: 32, headChannels: 32 };
const NARROW_POOLFORMER = { embedDims: [16, 32, 48, 64], neckChannels: 32, headChannels: 32 };
const NARROW_VIT = { embedDim: 32, numHeads: 4 };
// HRNetV2-W32/W48 (29–70 M): their depth at W8.
const NARROW_HR = { stages: [[1, [4], [64]], [1, [4, 4], [8, 16]], [4, [4, 4, 4], [8, 16, 32]], [3, [4, 4, 4, 4], [8, 16, 32, 64]]]
  .map(([modules, blocks, channels]) => ({ modules, blocks, channels })) };
const NARROW_MSCAN = { embedDims: [16, 32, 48, 64], decoderChannels: 32 };
// U²-Net (44 M), UNet 3+ (27 M) and RefineNet (27–118 M) at narrow widths.
const NARROW_UNET3PLUS = { filters: [16, 32, 64, 128, 256] };
const NARROW_REFINENET = { backboneWidth: 16, refineChannels: [64, 32] };
const NARROWER: Record<string, Record<string, unknown>> = {
  vnet: { width: 4 },
  fcn_hr32: NARROW_HR, fcn_hr48: NARROW_HR, ocrnet_hr32: NARROW_HR, ocrnet_hr48: NARROW_HR,
  fcn32s_vgg16: { fcChannels: 256 }, fcn16s_vgg16: { fcChannels: 256 }, fcn8s_vgg16: { fcChannels: 256 }, deconvnet_vgg16: { fcChannels: 256 },
  segformer_b2: NARROW_MIT, segformer_b3: NARROW_MIT, segformer_b4: NARROW_MIT, segformer_b5: NARROW_MIT,
  fpn_pvt_v2_b2: NARROW_PVT, fpn_pvt_v2_b2_li: NARROW_PVT, fpn_pvt_v2_b3: NARROW_PVT, fpn_pvt_v2_b4: NARROW_PVT, fpn_pvt_v2_b5: NARROW_PVT,
  fpn_pvt_small: NARROW_PVT, fpn_pvt_medium: NARROW_PVT, fpn_pvt_large: NARROW_PVT,
  fpn_poolformer_s24: NARROW_POOLFORMER, fpn_poolformer_s36: NARROW_POOLFORMER, fpn_poolformer_m36: NARROW_POOLFORMER, fpn_poolformer_m48: NARROW_POOLFORMER,
  setr_naive_vit_l16: { backbone: { type: "vit", depth: 24, ...NARROW_VIT } },
  setr_pup_vit_l16: { backbone: { type: "vit", depth: 24, ...NARROW_VIT } },
  setr_mla_vit_l16: { backbone: { type: "vit", depth: 24, ...NARROW_VIT } },
  segmenter_linear_vit_s16: { encoder: NARROW_VIT }, segmenter_mask_vit_s16: { encoder: NARROW_VIT },
  segmenter_mask_vit_b16: { encoder: NARROW_VIT }, segmenter_mask_vit_l16: { encoder: NARROW_VIT },
  transunet_r50_vit_b16: { ...NARROW_VIT, headChannels: 32, resnet: { layers: [3, 4, 9], channels: [128, 128, 128], stemChannels: 32 } },
  u2net: { encoderChannels: [[8, 16], [8, 32], [16, 64], [32, 128], [64, 128], [64, 128]], decoderChannels: [[4, 16], [8, 16], [16, 32], [32, 64], [64, 128]] },
  unet3plus: NARROW_UNET3PLUS, unet3plus_deepsup: NARROW_UNET3PLUS, unet3plus_deepsup_cgm: NARROW_UNET3PLUS,
  refinenet_r101: NARROW_REFINENET, refinenet_lw_r50: NARROW_REFINENET, refinenet_lw_r101: NARROW_REFINENET, refinenet_lw_r152: NARROW_REFINENET,
  segnext_mscan_s: NARROW_MSCAN, segnext_mscan_b: NARROW_MSCAN, segnext_mscan_l: NARROW_MSCAN,
};

test("the meta-device count equals the allocated model's count, for every registered model", () => {
  const names = registered("model").filter((name) => name !== "encoder_decoder");
  assert.ok(names.length >= 20, `${names.length} models registered`);
  for (const name of names) {
    const config = { type: name, numClasses: 5, ...NARROWER[name] };
    const model = build<Segmentor>("model", config);
    try {
      assert.equal(countParameters(config), model.numParameters(), name);
    } finally {
      model.dispose();
    }
  }
});

test("a U-Net of 40 GB of parameters counts in seconds without allocating them", () => {
  const config = { type: "unet", numClasses: 2, widths: [2048, 4096, 8192, 16384, 32768] };
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const count = countParameters(config);
  const seconds = (performance.now() - started) / 1000;
  const grownMB = (process.memoryUsage().rss - before) / 2 ** 20;
  // The bottleneck's two 3×3 convs alone hold 9 × 16384 × 32768 + 9 × 32768² weights.
  assert.ok(count > 9 * 16384 * 32768 + 9 * 32768 ** 2, `${count} parameters`);
  assert.ok(count * 4 > 10 * 2 ** 30, "more than 10 GB as float32");
  assert.ok(seconds < 5, `counted in ${seconds.toFixed(2)} s`);
  assert.ok(grownMB < 200, `resident memory grew by ${grownMB.toFixed(0)} MB`);
});

test("segkit models lists parameters without --cost, and no cost columns", () => {
  const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
  const out = execFileSync(process.execPath, [cli, "models", "--json", "--classes", "3"], { encoding: "utf8" });
  const { models } = JSON.parse(out) as { models: { name: string; parameters: number; gmacs?: number }[] };
  // torchvision's deeplabv3_resnet50 has 39,638,869 parameters at 21 classes (no auxiliary head; python3-torchvision 0.14); at 3
  // classes its classifier has 18 × (256 + 1) fewer.
  assert.equal(models.find((m) => m.name === "deeplabv3_resnet50")!.parameters, 39_638_869 - 18 * 257);
  assert.ok(models.every((m) => m.parameters > 0 && m.gmacs === undefined));
});
