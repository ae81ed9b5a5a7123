// MaskFormer exports: both variants, reduced, recorded at a small size, as ONNX and TorchScript
// (export-parity.ts: onnxruntime and torch.jit.load equal the eval output within 1e-4 relative,
// onnx.checker accepts the file). The graph holds the sine position encoding (arange, floor_divide,
// remainder, t), nn.MultiheadAttention (chunk into q/k/v, bmm), the decoder's zero target queries
// (zeros_like) and the no-object class dropped before the mask sum (narrow).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import "../src/models/index.js";
import type { MaskFormer } from "../src/models/segmentors/maskformer/model.js";
import { notExportableReason } from "../src/models/not-exportable.js";
import { assertExportsReproduce } from "./export-parity.js";

torch.setNumThreads(1);
torch.manualSeed(7);
const tmp = mkdtempSync(join(tmpdir(), "segkit-maskformer-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REDUCED = {
  numClasses: 4, backbone: { type: "resnet18", width: 8 }, convDim: 32, maskDim: 32, hiddenDim: 32,
  numQueries: 8, nHeads: 4, dimFeedforward: 64, decoderLayers: 2, dropout: 0,
};

for (const [name, options, size] of [
  ["maskformer_r50", {}, [64, 64]],
  // The transformer-encoder pixel decoder adds a second position encoding, over the 2×3 res5 grid.
  ["maskformer_panoptic_r50", { pixelEncoderLayers: 1 }, [64, 96]],
] as [string, Record<string, unknown>, [number, number]][]) {
  test(`${name} (reduced) exports to ONNX and TorchScript and both files reproduce the eval output`, async () => {
    assert.equal(notExportableReason(name), null);
    const model = build<MaskFormer>("model", { type: name, ...REDUCED, ...options }).eval();
    await assertExportsReproduce(model, name, size, tmp);
    model.dispose();
  });
}
