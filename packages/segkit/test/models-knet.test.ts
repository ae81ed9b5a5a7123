// K-Net (knet_s3_upernet_*) against mmsegmentation's own KernelUpdator, KernelUpdateHead and
// IterativeDecodeHead over its UPerHead, ResNetV1c and FCN auxiliary head, composed as its
// knet-s3_r50-d8_upernet config composes them (fixtures/knet_make_golden.py, Debian's torch 1.13;
// seeded weights regenerated here): the reduced model loads the reference's state dict by mmseg's key
// names through "mmseg_knet" with no missing or unexpected key; every stage's mask logits and the
// auxiliary logits agree within 1e-4 relative, and so do the gradients; the training losses (each
// stage's cross-entropy, weight 1, and the auxiliary's at 0.4) and their gradients too; the full-size
// model has the reference's parameter count.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { keyMapNamed, type EncoderDecoder } from "../src/models/index.js";
import type { KNetHead } from "../src/models/heads/knet-head.js";
import { resize } from "../src/models/blocks/resize.js";
import { checkGradients, checkOutputsAndGradients, disposeState, relativeDifference, seededState, type KeyTable } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/knet_golden.safetensors", import.meta.url));
const golden = torch.loadSafetensors(FIXTURE);
after(() => {
  for (const t of golden.tensors.values()) t.dispose();
});

/** The fixture's reduced model with the reference's seeded weights (every key loaded), and the key map's renaming. */
function referenceModel(): { model: EncoderDecoder; ownKey: (key: string) => string } {
  const model = build<EncoderDecoder>("model", { type: "knet_s3_upernet_r18_tiny", numClasses: 5 });
  const state = seededState(JSON.parse(golden.metadata["knet.keys"]) as KeyTable, 0);
  const keyMap = keyMapNamed("mmseg_knet", "test");
  const referenceKeys = new Set(state.keys());
  assert.deepEqual(model.loadStateDict(keyMap(state, "knet"), { strict: false }), { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
  disposeState(state);
  return { model, ownKey: (key) => keyMap.renameKey!(key, referenceKeys) };
}

test("fixture records the reference repository and commit", () => {
  assert.equal(golden.metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.match(golden.metadata.commit, /^[0-9a-f]{40}$/);
});

test("knet_s3_upernet_r18_tiny: mmseg keys load through mmseg_knet; every stage's logits and gradients match", () => {
  const start = torch.liveTensors();
  const { model, ownKey } = referenceModel();
  model.eval();
  const input = golden.tensors.get("input")!;
  const outs = torch.tidy(() => {
    const features = model.features(input);
    return [...(model.classifier as KNetHead).stages(features), model.auxiliary[0].call(features)];
  });
  assert.equal(outs.length, 5, "generating head + 3 stages + auxiliary");
  checkOutputsAndGradients(model, golden, "knet", outs, { ownKey });
  // Inference is the last stage's logits, resized to the input.
  const last = golden.tensors.get("knet.output.3")!;
  const inferred = model.call(input);
  assert.deepEqual(inferred.shape, [2, 5, 64, 64]);
  torch.tidy(() => assert.ok(relativeDifference(inferred, resize(last, [64, 64])) <= 1e-4));
  inferred.dispose();
  for (const o of outs) o.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("knet_s3_upernet_r18_tiny: per-stage and auxiliary losses and their gradients match mmseg's", () => {
  const start = torch.liveTensors();
  const { model, ownKey } = referenceModel();
  model.eval(); // dropout off, as the fixture; BatchNorm in eval on both sides
  const input = golden.tensors.get("input")!;
  const label = golden.tensors.get("label")!;
  const { loss: total, parts } = torch.tidy(() => model.forwardTrain(input, label));
  assert.deepEqual(Object.keys(parts), ["decode.loss.s0", "decode.loss.s1", "decode.loss.s2", "decode.loss.s3", "aux0.loss"]);
  // mmseg's cross-entropy averages over every pixel (avg_non_ignore False); segkit's over the labelled ones.
  const labelled = torch.tidy(() => label.ne(255).sum().item() / label.numel());
  Object.values(parts).forEach((loss, i) => {
    const expected = golden.tensors.get(`loss.${i}`)!.item();
    const own = loss.item() * labelled;
    assert.ok(Math.abs(own - expected) <= 1e-4 * expected, `loss ${i}: ${own} vs ${expected}`);
  });
  torch.tidy(() => total.mul(labelled).backward());
  total.dispose();
  // fc_mask's bias adds one value per pixel to every class's logit: the next stage's softmax and the
  // cross-entropy do not see it, so its gradient is rounding noise on both sides.
  const vanishing = [0, 1, 2].map((i) => `decode_head.kernel_update_head.${i}.fc_mask.bias`);
  checkGradients(model, golden.tensors, "loss.", JSON.parse(golden.metadata["loss.nograd"]) as string[], { ownKey, vanishing });
  for (const t of Object.values(parts)) t.dispose();
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

test("knet_s3_upernet_r50 (150 classes) has the reference's parameter count", () => {
  assert.equal(countParameters({ type: "knet_s3_upernet_r50", numClasses: 150 }), (JSON.parse(golden.metadata.parameters) as Record<string, number>).knet_s3_upernet_r50);
});

test("knet head: updatorChannels must divide the kernel width", () => {
  assert.throws(() => build("model", { type: "encoder_decoder", numClasses: 3, backbone: { type: "resnet18", width: 4 },
    head: { type: "knet", generateHead: { type: "uper", channels: 16 }, updatorChannels: 6, numHeads: 2 } }), /channels \(16\) must be a multiple of updatorChannels \(6\)/);
});
