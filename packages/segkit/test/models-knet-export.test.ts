// K-Net exports: knet_s3_upernet_r18_tiny (knet_s3_upernet_r50's composition at small widths),
// recorded at a small size, as ONNX and TorchScript (export-parity.ts: onnxruntime and
// torch.jit.load equal the eval output within 1e-4 relative, onnx.checker accepts the file). The
// graph holds the kernel updator's gates split by chunk, nn.MultiheadAttention (chunk, bmm) and the
// einsums that gather features under the masks. knet_s3_panoptic_r50 (reduced) exports its semantic
// output (Σ over kernels of class score × mask) the same way, so it needs no not-exportable reason.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { notExportableReason } from "../src/models/not-exportable.js";
import { assertExportsReproduce } from "./export-parity.js";

torch.setNumThreads(1);
torch.manualSeed(7);
const tmp = mkdtempSync(join(tmpdir(), "segkit-knet-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("knet_s3_upernet_r50 is exportable, and its tiny composition exports to ONNX and TorchScript reproducing the eval output", async () => {
  assert.equal(notExportableReason("knet_s3_upernet_r50"), null);
  const model = build<Segmentor>("model", { type: "knet_s3_upernet_r18_tiny", numClasses: 5 }).eval();
  await assertExportsReproduce(model, "knet_s3_upernet_r18_tiny", [64, 96], tmp);
  model.dispose();
});

test("knet_s3_panoptic_r50 is exportable: a reduced model's semantic output reproduces in ONNX and TorchScript", async () => {
  assert.equal(notExportableReason("knet_s3_panoptic_r50"), null);
  const model = build<Segmentor>("model", {
    type: "knet_s3_panoptic_r50", numClasses: 5, stuffClasses: [0, 1], backbone: { type: "resnet18", width: 8 }, generateHead: { channels: 32 },
    numProposals: 8, numStages: 2, updatorChannels: 16, numHeads: 4, feedforwardChannels: 64,
  }).eval();
  await assertExportsReproduce(model, "knet_s3_panoptic_r50", [64, 96], tmp);
  model.dispose();
});
