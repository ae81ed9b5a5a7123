// DANet, NLNet (embedded Gaussian and dot product), APCNet, DMNet, EncNet and PSANet against
// mmsegmentation's heads on its ResNetV1c-d8 with the FCN auxiliary head, composed as its configs
// compose them (github:open-mmlab/mmsegmentation with mmcv's Scale and NonLocal2d, run by
// fixtures/context_heads_make_golden.py on Debian's torch 1.13; seeded weights regenerated here):
// the reference's state dict, by mmseg's key names through the "mmseg_resnet" key map, loads with no
// missing or unexpected key; on a 50×67 input the main logits, the heads' other outputs and the
// auxiliary logits agree within 1e-4 relative, and so do the gradients. PSAMask (tensor ops here) is
// checked against a loop transcription of its definition (mmcv's kernel does not build here).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build, type Config } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type DAHead, type EncHead, type EncoderDecoder } from "../src/models/index.js";
import { psaMask } from "../src/models/blocks/psa-mask.js";
import { resize } from "../src/models/blocks/resize.js";
import { checkOutputsAndGradients, disposeState, relativeDifference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/context_heads_golden.safetensors", import.meta.url));
const golden = torch.loadSafetensors(FIXTURE);
after(() => {
  for (const t of golden.tensors.values()) t.dispose();
});

// The fixture's reduced ResNetV1c-18-d8 and head widths.
const BACKBONE = { type: "resnet18", outputStride: 8, deepStem: true, width: 4 };
const HEADS: Record<string, Config> = {
  danet: { type: "da", channels: 8, pamChannels: 4 },
  nonlocal: { type: "nl", channels: 8 },
  nonlocal_dot: { type: "nl", channels: 8, mode: "dot_product" },
  apcnet: { type: "apc", channels: 8 },
  dmnet: { type: "dm", channels: 8 },
  encnet: { type: "enc", channels: 8, numCodes: 6 },
  psanet: { type: "psa", channels: 8, maskSize: [5, 7] },
};

// The key biases before a softmax over the keys (DANet's position attention, the embedded Gaussian;
// the dot product has no softmax, and its phi bias has a gradient).
const VANISHING: Record<string, string[]> = { danet: ["decode_head.pam.key_project.bias"], nonlocal: ["decode_head.nl_block.phi.conv.bias"] };

/** The main logits, the head's other outputs (as the reference returns them) and the auxiliary logits. */
function outputs(model: EncoderDecoder, x: Tensor): Tensor[] {
  const features = model.features(x);
  const head = model.classifier;
  const own = head.constructor.name === "DAHead" ? (head as DAHead).branches(features)
    : head.constructor.name === "EncHead" ? (head as EncHead).outputs(features) : [head.call(features)];
  const [main, ...extra] = own;
  return [resize(main, x.shape.slice(2)), ...extra, model.auxiliary[0].call(features)];
}

test("fixture records the reference repositories and commits", () => {
  assert.equal(golden.metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.equal(golden.metadata.mmcv_repository, "github:open-mmlab/mmcv");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
  assert.match(golden.metadata.mmcv_commit, /^[0-9a-f]{40}$/);
});

for (const [name, head] of Object.entries(HEADS)) {
  test(`${name} (reduced): mmseg keys load through mmseg_resnet, logits and gradients match`, () => {
    const start = torch.liveTensors();
    const model = build<EncoderDecoder>("model", { type: "encoder_decoder", numClasses: 5, backbone: BACKBONE, head, auxiliary: [{ type: "fcn", inIndex: 2, channels: 4 }] });
    const state = seededState(JSON.parse(golden.metadata[`${name}.keys`]) as KeyTable, 0);
    const keyMap = keyMapNamed("mmseg_resnet", "test");
    const referenceKeys = new Set(state.keys());
    assert.deepEqual(model.loadStateDict(keyMap(state, name), { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
    disposeState(state);
    model.eval();
    const outs = torch.tidy(() => outputs(model, golden.tensors.get("input")!));
    checkOutputsAndGradients(model, golden, name, outs, { ownKey: (key) => keyMap.renameKey!(key, referenceKeys), vanishing: VANISHING[name] });
    for (const o of outs) o.dispose();
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

/** The encnet or danet model of the fixture with the reference's weights, in eval mode. */
function referenceModel(name: "encnet" | "danet"): EncoderDecoder {
  const model = build<EncoderDecoder>("model", { type: "encoder_decoder", numClasses: 5, backbone: BACKBONE, head: HEADS[name], auxiliary: [{ type: "fcn", inIndex: 2, channels: 4 }] });
  const state = seededState(JSON.parse(golden.metadata[`${name}.keys`]) as KeyTable, 0);
  model.loadStateDict(keyMapNamed("mmseg_resnet", "test")(state, name));
  disposeState(state);
  return model.eval();
}

test("encnet's training adds the SE loss: sigmoid cross-entropy to the classes each image holds (ignored pixels count for none), weight 0.2, as mmsegmentation's", () => {
  const model = referenceModel("encnet");
  const label = golden.tensors.get("encnet.label")!;
  torch.tidy(() => torch.noGrad(() => {
    const parts = model.classifier.trainLoss(model.features(golden.tensors.get("input")!), label);
    assert.deepEqual(Object.keys(parts), ["decode.loss", "decode.se.loss"]);
    const [own, reference] = [parts["decode.se.loss"].item(), golden.tensors.get("encnet.se_loss")!.item()];
    assert.ok(Math.abs(own - reference) <= 1e-5 * reference, `SE loss ${own} vs ${reference}`);
  }));
  model.dispose();
});

test("danet's training adds the loss of each branch (pam_cam, pam, cam)", () => {
  const model = referenceModel("danet");
  torch.tidy(() => torch.noGrad(() => {
    const features = model.features(golden.tensors.get("input")!);
    const parts = model.classifier.trainLoss(features, golden.tensors.get("encnet.label")!);
    assert.deepEqual(Object.keys(parts), ["decode.pam_cam.loss", "decode.pam.loss", "decode.cam.loss"]);
    const [pamCam] = (model.classifier as DAHead).branches(features);
    assert.equal(parts["decode.pam_cam.loss"].item(), model.classifier.loss(pamCam, golden.tensors.get("encnet.label")!)["decode.loss"].item());
  }));
  model.dispose();
});

test("PSAMask with tensor ops equals the loop transcription of its definition (collect and distribute)", () => {
  const mask = golden.tensors.get("psamask.input")!;
  for (const mode of ["collect", "distribute"] as const) {
    const placed = psaMask(mask, mode, [7, 9]);
    assert.equal(relativeDifference(placed, golden.tensors.get(`psamask.${mode}`)!), 0, mode);
    placed.dispose();
  }
  assert.throws(() => psaMask(mask, "collect", [5, 5]), /psaMask: expected 25 mask channels \(5×5\), got 63/);
});

// The papers give no parameter counts for these compositions; the reference is mmsegmentation's
// configs/_base_/models/*_r50-d8.py at 19 classes with the auxiliary head, counted by the fixture script.
test("full-size parameter counts equal mmsegmentation's compositions (19 classes, auxiliary head)", () => {
  const counts = JSON.parse(golden.metadata.parameters) as Record<string, number>;
  for (const [model, reference] of [["danet_r50", "danet"], ["nonlocal_r50", "nonlocal"], ["apcnet_r50", "apcnet"], ["dmnet_r50", "dmnet"],
    ["encnet_r50", "encnet"], ["psanet_r50", "psanet"]]) {
    assert.equal(countParameters({ type: model, numClasses: 19, auxLoss: true }), counts[reference], model);
  }
});

test("context head options are checked", () => {
  assert.throws(() => build("head", { type: "nl", numClasses: 3, inChannels: 8, mode: "gaussian" }), /NonLocal2d: mode must be "embedded_gaussian" or "dot_product", got "gaussian"/);
  assert.throws(() => build("head", { type: "psa", numClasses: 3, inChannels: 8, psaType: "both" }), /PSAHead: psaType must be "collect", "distribute" or "bi-direction", got "both"/);
  assert.throws(() => build("head", { type: "psa", numClasses: 3, inChannels: 8, maskSize: [0, 3] }), /PSAHead: maskSize must be \[height, width\] in positive integers/);
});
