// HRNetV2 (FCN head) and OCRNet on HRNet and on dilated ResNetV1c against mmsegmentation's own code
// (github:open-mmlab/mmsegmentation, run by fixtures/hrnet_ocr_make_golden.py on PyTorch 1.13 with
// small stand-ins for mmcv; seeded weights regenerated here): at reduced depth and width (several
// branches, repeated fusion, the OCR head's soft regions from the FCN stage's real logits), the
// reference's state dict loads with no missing or unexpected key, and on a 75×101 input the logits
// of every stage agree within 1e-4 relative in float32; the reference also runs in float64, and so
// does the model for the gradients, which then agree within 1e-6 relative (float32's rounding moves
// some of them by up to 4e-3 from float64's, by amounts that depend on the BLAS's order of
// summation); the full-size models have the reference's parameter counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, OCRHead, type CascadeEncoderDecoder } from "../src/models/index.js";
import "../src/models/index.js";
import { REDUCED_HRNET_STAGES } from "./fixtures/hrnet_stages.js";
import { checkOutputsAndGradients, disposeState, loadReference, relativeDifference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/hrnet_ocr_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { tensors: golden, metadata } = fixture;
const counts = JSON.parse(metadata.parameters) as Record<string, number>;

const OCR = { channels: 16, ocrChannels: 8 };

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

// Zero in exact arithmetic where every region's key is past the ReLU: q·(k + b) adds q·b to each
// region's score for a pixel, which softmax removes. Both sides hold rounding noise there.
const KEY_BIAS = "decode_head.1.object_context_block.key_project.1.bn.bias";

/** Both gradients of `key` are rounding noise: under 1e-5 of the value projection's bias gradient. */
function checkRoundingNoise(model: torch.nn.Module, name: string, key: string): void {
  const largest = (t: torch.Tensor): number => torch.tidy(() => t.abs().max().item());
  const scale = largest(golden.get(`${name}.grad.${key.replace("key_project.1", "value_project")}`)!);
  for (const g of [model.stateDict().get(key)!.grad!, golden.get(`${name}.grad.${key}`)!]) {
    assert.ok(largest(g) <= 1e-5 * scale, `${key}: ${largest(g)} vs ${scale}`);
  }
}

/**
 * Loads the fixture's `name` state (through `keyMap` when given), runs every stage and checks the
 * outputs in float32, then outputs and gradients in float64 (those listed in `noise` as rounding noise).
 */
function checkModel(config: { type: string } & Record<string, unknown>, name: string, shapes: number[][], { keyMap, noise = [] }: { keyMap?: string; noise?: string[] } = {}): void {
  const start = torch.liveTensors();
  const model = build<CascadeEncoderDecoder>("model", { numClasses: 5, ...config });
  if (keyMap) {
    const state = seededState(JSON.parse(metadata[`${name}.keys`]) as KeyTable, 0);
    const renamed = keyMapNamed(keyMap, "test")(state, name);
    assert.deepEqual(model.loadStateDict(renamed, { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
    disposeState(state);
  } else {
    loadReference(model, fixture, name);
  }
  model.eval();
  const input = golden.get("input")!;
  const single = torch.noGrad(() => model.forwardAll(input));
  assert.deepEqual(single.map((o) => o.shape), shapes);
  single.forEach((out, i) => {
    const diff = relativeDifference(out, golden.get(`${name}.output.${i}`)!);
    assert.ok(diff <= 1e-4, `${name} output ${i} in float32: relative difference ${diff}`);
    out.dispose();
  });
  model.to("float64");
  const outputs = torch.tidy(() => model.forwardAll(input.to("float64")));
  const exact = new Map([...golden].filter(([k]) => !noise.some((key) => k === `${name}.grad.${key}`)));
  checkOutputsAndGradients(model, { tensors: exact, metadata }, name, outputs, { tolerance: 1e-6 });
  for (const key of noise) checkRoundingNoise(model, name, key);
  for (const t of outputs) t.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
}

test("fcn_hr (reduced HRNetV2): mmseg's keys, logits and gradients", () => {
  checkModel({ type: "fcn_hr18", stages: REDUCED_HRNET_STAGES }, "fcn_hr", [[2, 5, 75, 101]]);
});

test("ocrnet_hr (reduced HRNetV2 + FCN → OCR cascade): mmseg's keys, both stages' logits and gradients", () => {
  checkModel({ type: "ocrnet_hr18", stages: REDUCED_HRNET_STAGES, ...OCR }, "ocrnet_hr", [[2, 5, 75, 101], [2, 5, 19, 26]], { noise: [KEY_BIAS] });
});

test("ocrnet_r50 (reduced ResNetV1c-50-d8 + FCN → OCR): mmseg's keys through mmseg_cascade, logits and gradients", () => {
  checkModel({ type: "ocrnet_r50", width: 16, fcnChannels: 16, ...OCR }, "ocrnet_r50", [[2, 5, 75, 101], [2, 5, 10, 13]], { keyMap: "mmseg_cascade" });
});

// Counted on the meta device (nothing allocated) at 19 classes, against the reference's counts. Wang
// et al. (TPAMI 2020, Table 3) give HRNetV2-W48 with its segmentation head 65.9 M parameters.
test("full-size parameter counts equal mmsegmentation's (19 classes)", () => {
  for (const name of ["fcn_hr18s", "fcn_hr18", "fcn_hr32", "fcn_hr48", "ocrnet_hr18s", "ocrnet_hr18", "ocrnet_hr32", "ocrnet_hr48", "ocrnet_r101"]) {
    assert.equal(countParameters({ type: name, numClasses: 19 }), counts[name], name);
  }
  assert.equal(Math.round(counts.fcn_hr48 / 1e5) / 10, 65.9, "HRNetV2-W48: the paper's 65.9 M");
  const backbone = { hrnet_w18_small_v2: "hrnet_hr18s_backbone", hrnet_w18: "hrnet_hr18_backbone", hrnet_w32: "hrnet_hr32_backbone", hrnet_w48: "hrnet_hr48_backbone" };
  for (const [name, key] of Object.entries(backbone)) {
    const net = torch.withDefaultDevice("meta", () => build<torch.nn.Module>("backbone", { type: name }));
    assert.equal(net.numParameters(), counts[key], name);
    net.dispose();
  }
});

test("the full-size models take every key of mmseg's ocrnet_hr18s, ocrnet_hr48 and ocrnet_r101 (through mmseg_cascade) with its shapes", () => {
  const tables = JSON.parse(metadata.full_keys) as Record<string, [string, number[]][]>;
  assert.deepEqual(Object.keys(tables).sort(), ["ocrnet_hr18s", "ocrnet_hr48", "ocrnet_r101"]);
  const map = keyMapNamed("mmseg_cascade", "test").renameKey!;
  for (const [name, table] of Object.entries(tables)) {
    const model = torch.withDefaultDevice("meta", () => build<CascadeEncoderDecoder>("model", { type: name, numClasses: 19 }));
    const own = new Map([...model.stateDict()].map(([k, t]) => [k, t.shape]));
    model.dispose();
    const keys = new Set(table.map(([k]) => k));
    const theirs = new Map(table.map(([k, shape]) => [map(k, keys), shape]));
    assert.deepEqual([...theirs.keys()].filter((k) => !own.has(k)), [], `${name}: unexpected keys`);
    assert.deepEqual([...own.keys()].filter((k) => !theirs.has(k)), [], `${name}: missing keys`);
    for (const [k, shape] of theirs) assert.deepEqual(own.get(k), shape, `${name}: ${k}`);
  }
});

test("HRNet and OCR options are checked", () => {
  assert.throws(() => build("backbone", { type: "hrnet_w18", stages: REDUCED_HRNET_STAGES.slice(0, 3) }), /HRNet: stages must list 4 stages/);
  assert.throws(() => build("backbone", { type: "hrnet_w18", stages: [REDUCED_HRNET_STAGES[0], { modules: 1, blocks: [1], channels: [4, 8] }, REDUCED_HRNET_STAGES[2], REDUCED_HRNET_STAGES[3]] }),
    /HRNet: stages\[1\] must have 2 branch\(es\) in blocks and channels/);
  assert.throws(() => build("backbone", { type: "hrnet_w18", stages: [REDUCED_HRNET_STAGES[0], REDUCED_HRNET_STAGES[1], { ...REDUCED_HRNET_STAGES[2], channels: [4, 6, 16] }, REDUCED_HRNET_STAGES[3]] }),
    /HRNet: stages\[2\]\.channels must keep the previous stage's widths \[4,8\]/);
  assert.throws(() => build("backbone", { type: "hrnet_w18", fuseUpsample: "bicubic" }), /HRNet: fuseUpsample must be one of "bilinear", "nearest", "aligned", got "bicubic"/);
  assert.throws(() => build("model", { type: "ocrnet_hr18", numClasses: 3, ocrChannels: 0 }), /OCRHead: ocrChannels must be integer ≥ 1, got 0/);
});

test("the OCR head refuses to run without the previous stage's logits or with logits of another size", () => {
  const head = new OCRHead({ numClasses: 3, inChannels: 4, inIndex: 0, channels: 8, ocrChannels: 4 });
  torch.tidy(() => {
    const features = [torch.randn([1, 4, 6, 7])];
    assert.throws(() => head.forward(features), /OCRHead: needs the previous head's logits/);
    assert.throws(() => head.forward(features, torch.randn([1, 3, 5, 7])), /OCRHead: the region logits \[1,3,5,7\] must have the features' size \[6,7\]/);
    assert.deepEqual(head.forward(features, torch.randn([1, 3, 6, 7])).shape, [1, 3, 6, 7]);
  });
  head.dispose();
});
