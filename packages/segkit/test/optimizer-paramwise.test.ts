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
