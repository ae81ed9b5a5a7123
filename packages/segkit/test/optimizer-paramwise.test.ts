// The optimizer's paramwise options on a ViT model, as mmsegmentation's ViT/Segmenter configs set them:
// no weight decay on the position embedding, the class token and norms (and biases), a head lr
// multiplier, and layer-wise lr decay over the ViT blocks (mmseg's LayerDecayOptimizerConstructor).
// The table says which parameter lands in which group (lr, weight decay).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { buildOptimizer } from "../src/engine/optimizers.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";

const LR = 1e-3;
const WD = 0.05;

function groupOf(model: Segmentor, config: Record<string, unknown>): Map<string, { lr: number; weightDecay: number }> {
  const named = model.namedParameters();
  const optimizer = buildOptimizer({ type: "adamw", ...config }, named);
  const byTensor = new Map<Tensor, { lr: number; weightDecay: number }>();
  for (const g of optimizer.paramGroups) for (const p of g.params) byTensor.set(p, { lr: g.lr, weightDecay: g.weightDecay });
  const out = new Map([...named].map(([name, p]) => [name, byTensor.get(p)!]));
  optimizer.dispose();
  return out;
}

test("Segmenter (2 encoder blocks): decay, head lr ×10 and layer-wise decay 0.5, parameter by parameter", () => {
  const model = build<Segmentor>("model", {
    type: "segmenter_mask_vit_s16", numClasses: 3, encoder: { embedDim: 16, depth: 2, numHeads: 2, patchSize: 4, imgSize: 16 },
  });
  const groups = groupOf(model, {
    lr: LR, weightDecay: WD, layerDecay: { rate: 0.5 },
    rules: [{ match: "decoder.", lrMult: 10 }, { match: "pos_embed", decayMult: 0 }, { match: "cls_token", decayMult: 0 }],
  });
  // L = 2 blocks: embeddings are layer 0 (0.5³), block i layer i + 1 (0.5^(2 − i)), the rest layer 3 (1).
  const expected: [string, number, number][] = [
    ["encoder.cls_token", LR * 0.125, 0],
    ["encoder.pos_embed", LR * 0.125, 0],
    ["encoder.patch_embed.proj.weight", LR * 0.125, WD],
    ["encoder.patch_embed.proj.bias", LR * 0.125, 0],
    ["encoder.blocks.0.attn.qkv.weight", LR * 0.25, WD],
    ["encoder.blocks.0.norm1.weight", LR * 0.25, 0],
    ["encoder.blocks.0.mlp.fc2.bias", LR * 0.25, 0],
    ["encoder.blocks.1.attn.proj.weight", LR * 0.5, WD],
    ["encoder.norm.weight", LR, 0],
    ["decoder.blocks.0.attn.qkv.weight", LR * 10, WD],
    ["decoder.blocks.1.norm2.bias", LR * 10, 0],
    ["decoder.cls_emb", LR * 10, WD],
    ["decoder.proj_patch", LR * 10, WD],
    ["decoder.mask_norm.weight", LR * 10, 0],
  ];
  for (const [name, lr, weightDecay] of expected) {
    const group = groups.get(name);
    assert.ok(group, `${name} is a parameter`);
    assert.ok(Math.abs(group.lr - lr) < 1e-12 && group.weightDecay === weightDecay, `${name}: lr ${group.lr}, weight decay ${group.weightDecay}; expected ${lr}, ${weightDecay}`);
  }
  assert.equal(new Set([...groups.values()].map((g) => `${g.lr}/${g.weightDecay}`)).size, 9, "distinct (lr, decay) groups");
  model.dispose();
});

test("SETR through encoder_decoder: the ViT is the backbone, the neck and head are the top layer", () => {
  const model = build<Segmentor>("model", {
    type: "encoder_decoder", numClasses: 3,
    backbone: { type: "vit", embedDim: 16, depth: 3, numHeads: 2, patchSize: 4, imgSize: 16, outIndices: [0, 1, 2], finalNorm: false },
    head: { type: "setr_up", channels: 8 },
  });
  const groups = groupOf(model, { lr: LR, weightDecay: WD, layerDecay: { rate: 0.9 } });
  const close = (name: string, lr: number) => assert.ok(Math.abs(groups.get(name)!.lr - lr) < 1e-12, `${name}: ${groups.get(name)!.lr} vs ${lr}`);
  close("backbone.pos_embed", LR * 0.9 ** 4);
  close("backbone.blocks.2.mlp.fc1.weight", LR * 0.9);
  close("classifier.conv_seg.weight", LR);
  assert.equal(groups.get("backbone.pos_embed")!.weightDecay, WD, "decayed unless a rule says otherwise");
  model.dispose();
});

test("bad layerDecay options are refused, naming the key", () => {
  const cnn = build<Segmentor>("model", { type: "unet", numClasses: 2, widths: [4, 8] });
  assert.throws(() => buildOptimizer({ type: "sgd", lr: 0.1, layerDecay: { rate: 0.9 } }, cnn.namedParameters()), /optimizer\.layerDecay: layer-wise decay needs a ViT/);
  cnn.dispose();
  const vit = build<Segmentor>("model", { type: "segmenter_linear_vit_s16", numClasses: 2, encoder: { embedDim: 8, depth: 1, numHeads: 2, patchSize: 4, imgSize: 8 } });
  assert.throws(() => buildOptimizer({ type: "sgd", lr: 0.1, layerDecay: { rate: 1.5 } }, vit.namedParameters()), /optimizer\.layerDecay: "rate" must be in \(0, 1\], got 1\.5/);
  assert.throws(() => buildOptimizer({ type: "sgd", lr: 0.1, layerDecay: { rate: 0.5, depth: 3 } }, vit.namedParameters()), /optimizer\.layerDecay.*depth/);
  vit.dispose();
});

// mmsegmentation's get_stage_id_for_convnext / get_layer_id_for_convnext (layer_decay_optimizer_constructor.py,
// commit b600f7cb) run on its names for these parameters (downsample_layers.0 = stem, downsample_layers.i =
// stages.i.downsample, stages.i.j = stages.i.blocks.j, norm3 = out_norms.3), num_layers 6, rate 0.5, gave
// these lr factors.
test("UPerNet on ConvNeXt: stage-wise and layer-wise decay as mmsegmentation's LearningRateDecayOptimizerConstructor", () => {
  const model = build<Segmentor>("model", {
    type: "upernet_convnext_t", numClasses: 3, dims: [8, 8, 8, 8], depths: [2, 2, 4, 2], headChannels: 8, auxChannels: 8,
  });
  const expected: [string, number, number][] = [
    ["backbone.stem.0.weight", 1 / 128, 1 / 128],
    ["backbone.stages.1.downsample.1.weight", 1 / 128, 1 / 32],
    ["backbone.stages.2.downsample.0.weight", 1 / 128, 1 / 16],
    ["backbone.stages.3.downsample.1.bias", 1 / 128, 0.5],
    ["backbone.stages.0.blocks.1.gamma", 1 / 64, 1 / 64],
    ["backbone.stages.2.blocks.3.conv_dw.weight", 1 / 16, 1 / 8],
    ["backbone.stages.3.blocks.0.norm.weight", 1 / 8, 0.5],
    ["backbone.out_norms.3.weight", 1, 1],
    ["classifier.conv_seg.weight", 1, 1],
  ];
  const stageWise = groupOf(model, { lr: LR, weightDecay: WD, layerDecay: { rate: 0.5, numLayers: 6 } });
  const layerWise = groupOf(model, { lr: LR, weightDecay: WD, layerDecay: { rate: 0.5, numLayers: 6, decayType: "layer_wise" } });
  for (const [name, stage, layer] of expected) {
    assert.ok(Math.abs(stageWise.get(name)!.lr - LR * stage) < 1e-15, `stage_wise ${name}: ${stageWise.get(name)!.lr} vs ${LR * stage}`);
    assert.ok(Math.abs(layerWise.get(name)!.lr - LR * layer) < 1e-15, `layer_wise ${name}: ${layerWise.get(name)!.lr} vs ${LR * layer}`);
  }
  assert.throws(() => buildOptimizer({ type: "sgd", lr: 0.1, layerDecay: { rate: 0.9 } }, model.namedParameters()), /optimizer\.layerDecay: a ConvNeXt backbone needs "numLayers"/);
  assert.throws(() => buildOptimizer({ type: "sgd", lr: 0.1, layerDecay: { rate: 0.9, numLayers: 6, decayType: "blockwise" } }, model.namedParameters()),
    /optimizer\.layerDecay: "decayType" must be "stage_wise" or "layer_wise", got "blockwise"/);
  model.dispose();
});
