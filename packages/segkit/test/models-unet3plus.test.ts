// UNet 3+ against the authors' code (github:ZJUGiveLab/UNet-Version, models/UNet_3Plus.py, run by
// fixtures/unet3plus_make_golden.py on Debian's torch 1.13, seeded weights regenerated here): their
// UNet_3Plus, UNet_3Plus_DeepSup and UNet_3Plus_DeepSup_CGM at an eighth of their widths load by the
// authors' key names with no missing or unexpected key, and on a 32×48 input their outputs through
// the authors' sigmoid (d1, then d2..d5 with deep supervision) and the gradients agree within 1e-4
// relative; the CGM's classification branch gets no gradient from the outputs (its argmax gates
// them), as in the reference. The full-size counts equal the authors' constructors'. Export:
// models-unet-relatives-export.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { UNet3Plus as UNet3PlusModel, type UNet3Plus } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/unet3plus_golden.safetensors", import.meta.url));
const fixture = torch.loadSafetensors(FIXTURE);
const { metadata } = fixture;
const EIGHTH = { filters: [8, 16, 32, 64, 128] };

test("fixture records the reference repository and commit", () => {
  assert.equal(metadata.repository, "github:ZJUGiveLab/UNet-Version");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
});

for (const [name, classes, outputs] of [["unet3plus", 2, 1], ["unet3plus_deepsup", 2, 5], ["unet3plus_deepsup_cgm", 1, 5]] as const) {
  test(`${name} (eighth width): the authors' keys, ${outputs} sigmoid output(s) and gradients`, () => {
    const start = torch.liveTensors();
    const model = build<UNet3Plus>("model", { type: name, numClasses: classes, ...EIGHTH });
    loadReference(model, fixture, name);
    model.eval();
    const { logits, presence } = torch.tidy(() => model.outputs(fixture.tensors.get("input")!));
    const sigmoids = torch.tidy(() => logits.map((l) => l.sigmoid()));
    assert.equal(sigmoids.length, outputs);
    for (const o of sigmoids) assert.deepEqual(o.shape, [2, classes, 32, 48]);
    if (presence) {
      assert.deepEqual(torch.tidy(() => presence.argmax(1).toArray()), JSON.parse(metadata[`${name}.gate`]), "the CGM's gate per image");
      presence.dispose();
    }
    checkOutputsAndGradients(model, fixture, name, sigmoids);
    [...logits, ...sigmoids].forEach((t) => t.dispose());
    model.zeroGrad();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}

// The paper (Huang et al. 2020, Table 1): UNet 3+ (VGG-16 encoder) 26.97 M parameters.
test("full-size counts equal the authors' constructors' (one class), counted on the meta device", () => {
  const counts = JSON.parse(metadata.parameters) as Record<string, number>;
  for (const name of ["unet3plus", "unet3plus_deepsup", "unet3plus_deepsup_cgm"]) {
    assert.equal(countParameters({ type: name, numClasses: 1 }), counts[name], name);
  }
  assert.equal(Math.round(counts.unet3plus / 1e4) / 100, 26.97);
});

test("deep supervision sums five losses; the CGM adds its presence loss, whose gradient reaches the classification branch", () => {
  const model = build<UNet3Plus>("model", { type: "unet3plus_deepsup_cgm", numClasses: 3, ...EIGHTH });
  const x = torch.randn([2, 3, 32, 32]);
  const target = torch.randint(0, 3, [2, 32, 32]);
  const { loss, parts } = model.forwardTrain(x, target);
  assert.deepEqual(Object.keys(parts), ["decode.loss1", "decode.loss2", "decode.loss3", "decode.loss4", "decode.loss5", "cls.loss"]);
  loss.backward();
  const cls = model.stateDict().get("cls.1.weight")!;
  assert.ok(torch.tidy(() => cls.grad!.abs().max().item()) > 0, "the classification branch learns from its loss");
  for (const t of [loss, ...Object.values(parts), x, target]) t.dispose();
  model.dispose();
});

test("an image judged empty gets background everywhere; bad options are refused", () => {
  const model = build<UNet3Plus>("model", { type: "unet3plus_deepsup_cgm", numClasses: 3, ...EIGHTH }).eval();
  // A classification bias far towards "absent" gates every output to zero logits: argmax class 0.
  torch.noGrad(() => model.stateDict().get("cls.1.bias")!.copy_(torch.tensor(Float32Array.of(100, -100))));
  const labels = torch.tidy(() => model.predict(torch.randn([1, 3, 32, 32])).argmax(1).max().item());
  assert.equal(labels, 0);
  model.dispose();
  assert.throws(() => build("model", { type: "unet3plus", numClasses: 2, filters: [8, 16] }), /UNet3Plus: filters must list 5 widths/);
  const plain = build<UNet3Plus>("model", { type: "unet3plus", numClasses: 2, ...EIGHTH });
  assert.throws(() => torch.tidy(() => plain.predict(torch.zeros([1, 3, 32, 40]))), /UNet3Plus: input height and width must be multiples of 16/);
  plain.dispose();
  assert.throws(() => new UNet3PlusModel({ numClasses: 2, ...EIGHTH, classGuided: true }), /UNet3Plus: classGuided needs deepSupervision/);
});
