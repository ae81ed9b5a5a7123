// SegNeXt against mmsegmentation's MSCAN and LightHamHead (github:open-mmlab/mmsegmentation, run by
// fixtures/segnext_make_golden.py on PyTorch 1.13 with small stand-ins for mmcv; seeded weights
// regenerated here), which the script also checked against the authors' code
// (github:Visual-Attention-Network/SegNeXt): a reduced SegNeXt (2 blocks per stage) loads mmseg's state
// dict by its own names with no missing or unexpected keys, and on a 45×53 input (no multiple of 32)
// the logits, the four feature maps and every gradient agree within 1e-4 relative. The NMF's random
// bases are the same on both sides because both seed libtorch's CPU generator before the forward.
// The NMF alone: eval (7 steps) and train (6 steps) outputs and input gradients, the one-step
// gradient, channel groups and fixed bases, each against the reference. Full-size parameter counts
// equal mmseg's code and the paper's.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { countParameters } from "../src/models/complexity.js";
import { exportModel } from "../src/engine/export-model.js";
import { keyMapNamed, NMF2D, type Backbone, type NMFOptions, type SegNeXt } from "../src/models/index.js";
import "../src/models/index.js";
import { checkOutputsAndGradients, loadReference, relativeDifference, type Golden } from "./fixtures/reference_weights.js";

torch.setNumThreads(1);
const FIXTURE = fileURLToPath(new URL("../../test/fixtures/segnext_golden.safetensors", import.meta.url));
const golden: Golden = torch.loadSafetensors(FIXTURE);
const { tensors, metadata } = golden;
const FORWARD_SEED = Number(metadata.forward_seed);
const tmp = mkdtempSync(join(tmpdir(), "segkit-segnext-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// The fixture's REDUCED model (head 64 wide with GroupNorm(32), NMF rank 8).
const REDUCED = {
  type: "segnext_mscan_t", numClasses: 5, embedDims: [16, 24, 32, 48], depths: [2, 2, 2, 2], dropPathRate: 0, decoderChannels: 64, rank: 8,
};

test("fixture records the reference repositories and commits, and the authors' code agreed with mmseg's", () => {
  assert.equal(metadata.repository, "github:open-mmlab/mmsegmentation");
  assert.match(metadata.commit, /^[0-9a-f]{40}$/);
  assert.equal(metadata.authors_repository, "github:Visual-Attention-Network/SegNeXt");
  assert.match(metadata.authors_commit, /^[0-9a-f]{40}$/);
  assert.ok(Number(metadata["authors.max_relative_difference"]) <= 1e-6);
});

test("segnext (reduced): mmseg's weights load by name; logits, features and gradients match", () => {
  const start = torch.liveTensors();
  const model = build<SegNeXt>("model", REDUCED);
  loadReference(model, golden, "segnext");
  model.eval();
  const input = tensors.get("input")!;
  torch.tidy(() => {
    torch.manualSeed(FORWARD_SEED);
    const outputs = [model.forward(input), ...model.backbone.forward(input)];
    assert.deepEqual(outputs.map((o) => o.shape), [[2, 5, 45, 53], [2, 16, 12, 14], [2, 24, 6, 7], [2, 32, 3, 4], [2, 48, 2, 2]]);
    checkOutputsAndGradients(model, golden, "segnext", outputs);
  });
  assert.deepEqual(JSON.parse(metadata["segnext.nograd"]), [], "every parameter has a gradient in the reference");
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.liveTensors(), start, "every tensor is freed");
});

/** The NMF's output on the fixture's input and the input's gradient of mean(output²), seeded as the reference. */
function runNMF(options: NMFOptions, training: boolean, bases?: Tensor): { output: Tensor; grad: Tensor } {
  const nmf = new NMF2D(16, options).train(training);
  if (bases) torch.noGrad(() => nmf.bases!.copy_(bases));
  const z = tensors.get("nmf.input")!.detach().clone().requiresGrad_(true);
  torch.manualSeed(FORWARD_SEED);
  const output = nmf.call(z);
  output.pow(2).mean().backward();
  const grad = z.grad!.clone();
  z.dispose();
  nmf.dispose();
  return { output, grad };
}

const NMF = { rank: 6, trainSteps: 6, evalSteps: 7 };

test("NMF: eval (7 steps) and train (6 steps) outputs and gradients match the reference, and differ from each other", () => {
  torch.tidy(() => {
    const runs = { eval: runNMF(NMF, false), train: runNMF(NMF, true) };
    for (const [name, { output, grad }] of Object.entries(runs)) {
      assert.deepEqual(output.shape, [2, 16, 7, 9]);
      assert.ok(relativeDifference(output, tensors.get(`nmf.${name}.output`)!) <= 1e-4, `${name} output`);
      assert.ok(relativeDifference(grad, tensors.get(`nmf.${name}.grad`)!) <= 1e-4, `${name} gradient`);
    }
    assert.ok(relativeDifference(runs.eval.output, runs.train.output) > 1e-3, "the step count changes the output");
  });
});

test("NMF: the one-step gradient matches the reference with the authors' no_grad iterations; the default back-propagates through every step", () => {
  torch.tidy(() => {
    const oneStep = runNMF({ ...NMF, oneStepGradient: true }, true);
    const full = runNMF(NMF, true);
    assert.ok(relativeDifference(oneStep.output, full.output) === 0, "same forward");
    assert.ok(relativeDifference(oneStep.grad, tensors.get("nmf.onestep.grad")!) <= 1e-4, "one-step gradient");
    // The two gradients differ far beyond the tolerance, so each check above tells them apart.
    assert.ok(relativeDifference(oneStep.grad, tensors.get("nmf.train.grad")!) > 1e-2, "the one-step gradient is not the full one");
    assert.ok(relativeDifference(full.grad, tensors.get("nmf.onestep.grad")!) > 1e-2, "the full gradient is not the one-step one");
  });
});

test("NMF: channel groups (MD_S 2) and fixed bases (rand_init False, buffer \"bases\") match the reference", () => {
  torch.tidy(() => {
    const grouped = runNMF({ channelGroups: 2, rank: 3 }, false);
    assert.ok(relativeDifference(grouped.output, tensors.get("nmf.s2.output")!) <= 1e-4, "grouped output");
    assert.ok(relativeDifference(grouped.grad, tensors.get("nmf.s2.grad")!) <= 1e-4, "grouped gradient");
    const fixed = runNMF({ ...NMF, randInit: false }, false, tensors.get("nmf.fixed.bases")!);
    assert.ok(relativeDifference(fixed.output, tensors.get("nmf.fixed.output")!) <= 1e-4, "fixed-bases output");
    assert.ok(relativeDifference(fixed.grad, tensors.get("nmf.fixed.grad")!) <= 1e-4, "fixed-bases gradient");
    const nmf = new NMF2D(16, { randInit: false, rank: 6 });
    assert.deepEqual([...nmf.stateDict().keys()], ["bases"]);
    assert.deepEqual(nmf.bases!.shape, [1, 16, 6]);
    nmf.dispose();
    assert.equal(new NMF2D(16).stateDict().size, 0, "random bases are not state");
  });
});

test("the segnext_official key map takes the authors' names to mmseg's", () => {
  const keyMap = keyMapNamed("segnext_official", "test").renameKey!;
  const authors = JSON.parse(metadata["authors.keys"]) as string[];
  const mmseg = (JSON.parse(metadata["segnext.keys"]) as [string][]).map(([k]) => k);
  const keys = new Set(authors);
  assert.ok(authors.includes("backbone.block1.0.mlp.dwconv.dwconv.weight"));
  assert.deepEqual(authors.map((k) => keyMap(k, keys)).sort(), [...mmseg].sort());
});

// Guo et al. 2022, "SegNeXt: Rethinking Convolutional Attention Design for Semantic Segmentation",
// Table 5 (ADE20K, 150 classes): SegNeXt-T 4.3 M, S 13.9 M, B 27.6 M, L 48.9 M parameters (the authors'
// README rounds them to 4/14/28/49 M; mmseg's README lists none). Counted on the meta device, as
// `segkit models` does; the exact numbers are mmseg's code's (fixture metadata; the authors' agree).
test("full-size parameter counts equal mmseg's code and the paper (150 classes)", () => {
  const reference = JSON.parse(metadata.parameters) as Record<string, number>;
  const paper: Record<string, number> = { segnext_mscan_t: 4.3, segnext_mscan_s: 13.9, segnext_mscan_b: 27.6, segnext_mscan_l: 48.9 };
  for (const [name, millions] of Object.entries(paper)) {
    const count = countParameters({ type: name, numClasses: 150 });
    assert.equal(count, reference[name], name);
    assert.equal(Math.round(count / 1e5) / 10, millions, `${name}: ${count}`);
    const backbone = name.replace("segnext_", "");
    const counted = torch.withDefaultDevice("meta", () => {
      const m = build<torch.nn.Module>("backbone", { type: backbone });
      const n = m.numParameters();
      m.dispose();
      return n;
    });
    assert.equal(counted, reference[backbone], backbone);
  }
});

/** The largest |a − b| over two states' common keys; asserts the keys are the same. */
function stateDifference(a: Map<string, Tensor>, b: Map<string, Tensor>): number {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  return Math.max(...[...a].map(([k, t]) => torch.tidy(() => t.sub(b.get(k)!).abs().max().item())));
}

test("pretrained MSCAN weights load into mscan_t and segnext_mscan_t: mmseg's names, a whole checkpoint's backbone part, the authors' names through segnext_official", () => {
  const widths = { embedDims: REDUCED.embedDims, depths: REDUCED.depths };
  torch.manualSeed(1);
  const source = build<Backbone>("backbone", { type: "mscan_t", ...widths });
  const state = source.stateDict();
  const mmseg = join(tmp, "mscan.safetensors");
  source.save(mmseg);
  const authors = join(tmp, "segnext_authors.safetensors");
  torch.saveSafetensors(authors, new Map([...state].map(([k, t]) => [`backbone.${k.replace(".mlp.dwconv.", ".mlp.dwconv.dwconv.")}`, t])));
  const fresh = build<Backbone>("backbone", { type: "mscan_t", ...widths });
  assert.ok(stateDifference(fresh.stateDict(), state) > 0, "a fresh backbone differs");
  fresh.dispose();
  const backbone = build<Backbone>("backbone", { type: "mscan_t", ...widths, pretrained: mmseg });
  assert.equal(stateDifference(backbone.stateDict(), state), 0);
  backbone.dispose();
  for (const options of [{ pretrained: mmseg }, { pretrained: authors, pretrainedMap: "segnext_official" }]) {
    const model = build<SegNeXt>("model", { ...REDUCED, ...options });
    assert.equal(stateDifference(model.backbone.stateDict(), state), 0, JSON.stringify(options));
    model.dispose();
  }
  assert.throws(() => build("model", { ...REDUCED, pretrained: authors }),
    /SegNeXt backbone: pretrained .*segnext_authors\.safetensors: missing keys: block1\.0\.mlp\.dwconv\.weight, .* \(does it need a pretrainedMap\?\)/);
  source.dispose();
});

test("segnext: random bases make inference depend on the seed; a seed makes it repeatable", () => {
  const model = build<SegNeXt>("model", { ...REDUCED, dropPathRate: 0 }).eval();
  torch.tidy(() => {
    const x = torch.rand([1, 3, 33, 40]);
    const seeded = (seed: number) => (torch.manualSeed(seed), model.forward(x));
    assert.equal(relativeDifference(seeded(3), seeded(3)), 0);
    assert.ok(relativeDifference(seeded(3), seeded(4)) > 0);
  });
  model.dispose();
});

test("segnext export is refused with the registered reason (random NMF bases); the recording indeed fails", () => {
  const model = build<SegNeXt>("model", { ...REDUCED, depths: [1, 1, 1, 1] });
  for (const name of ["segnext_mscan_t", "segnext_mscan_s", "segnext_mscan_b", "segnext_mscan_l"]) {
    assert.throws(() => exportModel(model, "/nonexistent/segnext.onnx", { format: "onnx", size: [64, 64], modelType: name }),
      new RegExp(`model ${name} is not exportable: LightHamHead's NMF draws random bases in every forward`));
  }
  model.eval();
  torch.tidy(() => assert.throws(() => torch.recordForward(model, [torch.zeros([1, 3, 64, 64])]), /aten::rand/));
  model.dispose();
});

test("segnext options are checked", () => {
  const small = { ...REDUCED, numClasses: 3 };
  assert.throws(() => build("model", { ...small, depths: [2, 2, 2] }), /MSCAN: depths takes 4 values \(one per stage\), got \[2,2,2\]/);
  assert.throws(() => build("model", { ...small, embedDims: [15, 32, 64, 64] }), /MSCAN: embedDims must be integers ≥ 2, multiples of 2, got \[15,32,64,64\]/);
  assert.throws(() => build("model", { ...small, dropPathRate: 1 }), /MSCAN: dropPathRate must be in \[0, 1\), got 1/);
  assert.throws(() => build("model", { ...small, decoderChannels: 48 }), /LightHamHead: hamChannels must be integer ≥ 1, multiple of 32, got 48/);
  assert.throws(() => build("model", { ...small, rank: 0 }), /NMF2D: rank must be integer ≥ 1, got 0/);
  assert.throws(() => build("model", { ...small, channelGroups: 3 }), /NMF2D: channels \(64\) must be a multiple of channelGroups \(3\)/);
  assert.throws(() => build("model", { ...small, evalSteps: -1 }), /NMF2D: evalSteps must be integer ≥ 0, got -1/);
  assert.throws(() => build("model", { ...small, mdR: 16 }), /mdR/);
});
