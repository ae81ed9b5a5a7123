// Mask2Former exports: both variants, reduced, recorded at a small size, as ONNX and TorchScript
// (export-parity.ts: onnxruntime and torch.jit.load equal the eval output within 1e-4 relative,
// onnx.checker accepts the file). The graph holds the deformable attention's sampling (grid_sampler
// as GridSample, its reference points from linspace, the levels split), the masked attention's mask
// (lt, all, logical_not, logical_and, masked_fill into baddbmm) and the sine position encoding.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import type { Mask2Former } from "../src/models/segmentors/mask2former/model.js";
import { notExportableReason } from "../src/models/not-exportable.js";
import { assertExportsReproduce } from "./export-parity.js";

torch.setNumThreads(1);
torch.manualSeed(7);
const tmp = mkdtempSync(join(tmpdir(), "segkit-mask2former-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REDUCED = {
  numClasses: 4, convDim: 32, maskDim: 32, pixelEncoderLayers: 1, pixelDimFeedforward: 64, hiddenDim: 32, numQueries: 8, nHeads: 4, dimFeedforward: 64, decoderLayers: 3,
};

for (const [name, backbone] of [
  ["mask2former_r50", { type: "resnet18", width: 8 }],
  ["mask2former_swin_t", { type: "swin_t", embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 2, 2, 4], windowSize: 5 }],
] as [string, Record<string, unknown>][]) {
  test(`${name} (reduced) exports to ONNX and TorchScript and both files reproduce the eval output`, async () => {
    assert.equal(notExportableReason(name), null);
    const model = build<Mask2Former>("model", { type: name, ...REDUCED, backbone }).eval();
    await assertExportsReproduce(model, name, [64, 96], tmp);
    model.dispose();
  });
}
