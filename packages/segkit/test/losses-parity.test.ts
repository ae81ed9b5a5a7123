// Every loss against its PyTorch reference (test/fixtures/losses_make_golden.py, run with Debian's
// /usr/bin/python3): value and gradient w.r.t. the logits, float64, within 1e-5 relative, on inputs
// with ignored pixels, a class absent from the target and an all-background image. Each reference
// follows the formula of the paper named in its loss file (Lin et al. 2017 focal, Berman et al. 2018
// Lovász, Salehi et al. 2017 Tversky, Sudre et al. 2017 generalised Dice, ...). The "hausdorff"
// group (losses_make_golden_hausdorff.py) takes its distance maps from scipy, on logits where no
// softmax channel exceeds 0.5 at many pixels; the "ohem" group (losses_make_golden_ohem.py) runs
// mmsegmentation's own OHEMPixelSampler and CrossEntropyLoss.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build, registered, currentName } from "../src/config/registry.js";
import "../src/losses/index.js";
import type { DeepSupervisedLoss, Loss } from "../src/losses/index.js";

interface Case {
  name: string;
  config: { type: string };
  inputs: string;
  deepSupervision: boolean;
}

function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
}

/** numpy.allclose-style check naming the worst element. */
function assertClose(actual: torch.Tensor, expected: torch.Tensor, rtol: number, atol: number, what: string): void {
  assert.deepEqual(actual.reshape([-1]).shape, expected.reshape([-1]).shape, `${what}: size`);
  const a = actual.toArray();
  const e = expected.toArray();
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]), `${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/** Where each reference formula comes from (the fixture script follows these). */
const SOURCES: Record<string, string> = {
  "cross-entropy": "PyTorch F.cross_entropy",
  "topk-cross-entropy": "Wu et al. 2016 (bootstrapped CE)",
  "ohem-cross-entropy": "mmsegmentation's OHEMPixelSampler + CrossEntropyLoss, its code run",
  "binary-cross-entropy": "PyTorch F.binary_cross_entropy(_with_logits)",
  "balanced-binary-cross-entropy": "Xie & Tu 2015 (HED)",
  focal: "Lin et al. 2017",
  dice: "Milletari et al. 2016 (V-Net)",
  "log-cosh-dice": "Jadon 2020",
  jaccard: "Rahman & Wang 2016",
  tversky: "Salehi et al. 2017",
  "focal-tversky": "Abraham & Khan 2019",
  "asymmetric-similarity": "Hashemi et al. 2018",
  "sensitivity-specificity": "Brosch et al. 2015",
  mcc: "Abhishek & Hamarneh 2021",
  "generalized-dice": "Sudre et al. 2017",
  penalty: "Su et al. 2021",
  "lovasz-softmax": "Berman et al. 2018",
  "lovasz-hinge": "Berman et al. 2018",
  "distance-penalized-cross-entropy": "Calivà et al. 2019",
  boundary: "Kervadec et al. 2019",
  "hausdorff-dt": "Karimi & Salcudean 2019",
  "ms-ssim": "Wang et al. 2003",
  compound: "weighted sum of the references above",
  "deep-supervision": "weighted sum over resized outputs",
};

const covered = new Set<string>();

for (const group of ["distribution", "region", "boundary", "structural", "hausdorff", "ohem"]) {
  const { tensors, metadata } = torch.loadSafetensors(fixture(`losses_golden_${group}.safetensors`));
  const get = (key: string): torch.Tensor => {
    const t = tensors.get(key);
    assert.ok(t, `fixture ${group} has ${key}`);
    return t;
  };
  const cases = JSON.parse(metadata.cases) as Case[];
  for (const c of cases) {
    covered.add(currentName("loss", c.config.type));
    test(`${group}: ${c.name} ${JSON.stringify(c.config)} matches PyTorch (${SOURCES[c.config.type] ?? "no source named"})`, () => {
      assert.ok(SOURCES[c.config.type], `a source is named for ${c.config.type}`);
      const before = torch.liveTensors();
      torch.tidy(() => {
        const logits = get(`${c.inputs}.logits`).clone();
        logits.requiresGrad = true;
        const target = get(`${c.inputs}.target`);
        let value: torch.Tensor;
        if (c.deepSupervision) {
          // The reference's auxiliary output is the logits subsampled 2× and halved.
          const small = logits.slice(2, 0, null, 2).slice(3, 0, null, 2).mul(0.5);
          value = build<DeepSupervisedLoss>("loss", c.config)([logits, small], target);
        } else {
          value = build<Loss>("loss", c.config)(logits, target);
        }
        assertClose(value, get(`${c.name}.loss`), 1e-5, 1e-12, `${c.name} value`);
        value.sum().backward();
        assertClose(logits.grad!, get(`${c.name}.grad`), 1e-5, 1e-12, `${c.name} gradient`);
        logits.grad = null;
      });
      assert.equal(torch.liveTensors(), before, "no tensor outlives the loss");
    });
  }
}

test("every registered loss has a PyTorch parity case", () => {
  assert.deepEqual(registered("loss").filter((name) => !covered.has(name)), []);
});
