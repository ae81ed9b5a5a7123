// K-Net panoptic's shapes, semantic/panoptic/instance outputs from one model, and its errors. The
// parity with the authors' code is models-knet-panoptic-parity; the training proof is
// models-knet-panoptic-train.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import { KNetPanoptic } from "../src/models/segmentors/knet/model.js";
import type { Backbone } from "../src/models/backbones/backbone.js";
import type { KernelGenerateHead } from "../src/models/heads/knet-head.js";
import { KernelUpdateHead } from "../src/models/heads/kernel-update-head.js";

torch.setNumThreads(1);
const TINY = {
  type: "knet_s3_panoptic_r50", numClasses: 6, stuffClasses: [0, 1], backbone: { type: "resnet18", width: 8 }, generateHead: { channels: 32 },
  numProposals: 5, numStages: 2, updatorChannels: 16, numHeads: 4, feedforwardChannels: 64,
};

test("K-Net panoptic: stage shapes, the authors' stage keys, and the three tasks from one model", () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const model = build<KNetPanoptic>("model", TINY);
  model.eval();
  const keys = [...model.stateDict().keys()];
  for (const key of ["init_kernels.weight", "mask_head.1.fc_cls.weight", "mask_head.0.cls_fcs.0.weight", "mask_head.0.kernel_update_conv.dynamic_layer.weight", "kernel_generate_head.conv_seg.weight"]) {
    assert.ok(keys.includes(key), key);
  }
  const x = torch.randn([2, 3, 64, 64]);
  const { logits, masks, initial, semantic: classMaps } = torch.noGrad(() => model.predictions(x));
  assert.deepEqual(logits.shape, [2, 2, 7, 6]);
  assert.deepEqual(masks.shape, [2, 2, 7, 16, 16]);
  assert.deepEqual(initial.shape, [2, 7, 16, 16]);
  assert.deepEqual(classMaps.shape, [2, 6, 16, 16]);
  const semantic = torch.noGrad(() => model.forward(x));
  assert.deepEqual(semantic.shape, [2, 6, 64, 64]);
  const panoptic = model.predictPanoptic(x, { isThing: [false, false, true, true, true, true], objectMaskThreshold: 0, overlapThreshold: 0 });
  assert.equal(panoptic.length, 2);
  for (const p of panoptic) {
    assert.equal(p.ids.length, 64 * 64);
    const ids = new Set(p.ids);
    ids.delete(0);
    assert.deepEqual([...ids].sort((a, b) => a - b), p.segments.map((s) => s.id).filter((id) => ids.has(id)));
    for (const s of p.segments) assert.equal(s.isThing, s.category >= 2);
  }
  const instances = model.predictInstances(x, 4, [false, false, true, true, true, true]);
  for (const r of instances) {
    assert.equal(r.masks.shape[0], r.labels.length);
    assert.ok(r.labels.every((c) => c >= 2));
    r.masks.dispose();
  }
  assert.throws(() => model.predictPanoptic(x, { isThing: [true] }), /kernelPanopticInference: isThing has 1 entries for 6 classes/);
  [x, logits, masks, initial, classMaps, semantic].forEach((t) => t.dispose());
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("K-Net panoptic without stuffClasses: COCO panoptic's layout (its last 53 of 133 classes stuff), scaled to numClasses", () => {
  const { stuffClasses: _omitted, ...withoutStuff } = TINY;
  const coco = build<KNetPanoptic>("model", { ...withoutStuff, numClasses: 133 });
  assert.deepEqual(coco.stuffClasses, Array.from({ length: 53 }, (_, i) => 80 + i));
  coco.dispose();
  const six = build<KNetPanoptic>("model", withoutStuff);
  assert.deepEqual(six.stuffClasses, [3, 4, 5]);
  six.dispose();
});

test("K-Net panoptic: bad options and targets are named", () => {
  assert.throws(() => build("model", { ...TINY, stuffClasses: [0, 0] }), /stuffClasses must be distinct class indices in \[0, 6\)/);
  assert.throws(() => build("model", { ...TINY, stuffClasses: [7] }), /stuffClasses must be distinct class indices in \[0, 6\)/);
  assert.throws(() => build("model", { ...TINY, stuffClasses: "sky" }), /"stuffClasses" must be a list of class indices/);
  assert.throws(() => build("model", { ...TINY, numProposals: 0 }), /"numProposals" must be an integer ≥ 1/);
  assert.throws(() => new KernelUpdateHead({ channels: 8, updatorChannels: 8, numHeads: 2, feedforwardChannels: 8, numMaskFcs: 1, maskActivation: "tanh" as never }), /maskActivation must be "softmax" or "binary", got "tanh"/);
  // The generating head's class maps cover every class (the stuff kernels are some of its rows).
  const backbone = build<Backbone>("backbone", { type: "resnet18", width: 8 });
  const generateHead = build<KernelGenerateHead>("head", { type: "uper", channels: 16, numClasses: 2, inChannels: backbone.outChannels, inIndex: [0, 1, 2, 3] });
  const stage = { updatorChannels: 16, numHeads: 4, feedforwardChannels: 16, numMaskFcs: 1, numClsFcs: 1 };
  assert.throws(() => new KNetPanoptic({ backbone, generateHead, numClasses: 6, stuffClasses: [0, 1], numProposals: 4, numStages: 1, stage }),
    /KNetPanoptic: the generating head has 2 classes, 6 wanted/);
  [backbone, generateHead].forEach((m) => m.dispose());
  const model = build<KNetPanoptic>("model", TINY);
  const x = torch.randn([2, 3, 64, 64]);
  const labels = torch.tensor([0, 9], { dtype: "int64" });
  const masks = torch.zeros([2, 64, 64]);
  assert.throws(() => model.forwardTrainSegments(x, [{ labels, masks }, { labels, masks }]), /KernelCriterion: targets\[0\]\.labels must be in \[0, 6\), got values from 0 to 9/);
  assert.throws(() => model.forwardTrainSegments(x, []), /KernelCriterion: 2 images but 0 targets/);
  [x, labels, masks].forEach((t) => t.dispose());
  model.dispose();
});
