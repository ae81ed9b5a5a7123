// Parity with PyTorch: the peer exports seeded torchvision / U-Net weights with its eval-mode output;
// the segkit model of the same name loads them with no missing or unexpected keys and reproduces the
// output within 1e-4 (max abs), before and after optimizeForInference. Exports are written to a temp dir and deleted (some are 100+ MB).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { loadExport } from "./fixtures/peer-export.js";

const PEER = fileURLToPath(new URL("../../../../../shared/peers/pytorch_peer.py", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's python with torch and torchvision (not the one on PATH)
const CLASSES = 5;
const tmp = mkdtempSync(join(tmpdir(), "segkit-models-parity-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
// The peer exports on PyTorch's default thread count here (1); PyTorch itself at 2 threads sums
// convolutions in another order and moves fcn_resnet50 logits of magnitude ~50 by 1.05e-4.
torch.setNumThreads(1);

function maxAbsDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item());
}

for (const [name, size] of [
  ["unet", [64, 48]], ["fcn_resnet50", [64, 64]], ["deeplabv3_resnet50", [64, 64]],
  ["deeplabv3_mobilenet_v3_large", [64, 64]], ["lraspp_mobilenet_v3_large", [64, 96]],
] as const) {
  test(`${name}: PyTorch export loads with matching keys and the eval output matches within 1e-4`, () => {
    const file = join(tmp, `${name}.safetensors`);
    execFileSync(PYTHON, [PEER, "export", "--model", name, "--classes", String(CLASSES), "--size", String(size[0]), String(size[1]), "--out", file],
      { stdio: ["ignore", "ignore", "inherit"] });
    const start = torch.liveTensors();
    const model = build<Segmentor>("model", { type: name, numClasses: CLASSES });
    const { input, expected, missingKeys, unexpectedKeys } = loadExport(model, file);
    rmSync(file);
    assert.deepEqual({ missingKeys, unexpectedKeys }, { missingKeys: [], unexpectedKeys: [] });
    const out = torch.tidy(() => model.eval().predict(input));
    assert.deepEqual(out.shape, [1, CLASSES, ...size]);
    const diff = maxAbsDiff(out, expected);
    assert.ok(diff <= 1e-4, `max abs difference ${diff} > 1e-4`);
    // The inference path (BatchNorm folded into the convs) gives the same output: within
    // 1e-4, or 4e-6 relative to the largest logit where that is more (fcn_resnet50's logits reach ~50,
    // and folded weights round differently, as PyTorch at 2 threads does; see above).
    const { folded } = model.optimizeForInference(input);
    assert.ok(folded > 0, "some BatchNorm was folded");
    const fast = model.predict(input);
    const fastDiff = maxAbsDiff(fast, expected);
    const tolerance = Math.max(1e-4, 4e-6 * torch.tidy(() => expected.abs().max().item()));
    assert.ok(fastDiff <= tolerance, `optimized for inference: max abs difference ${fastDiff} > ${tolerance}`);
    assert.throws(() => model.train(), /optimized for inference \(BatchNorm folded\), it cannot train/);
    for (const t of [out, fast, input, expected]) t.dispose();
    model.dispose();
    assert.equal(torch.liveTensors(), start, "every tensor is freed");
  });
}
