// The context heads export: reduced DANet, NLNet, APCNet, DMNet and EncNet models (as the parity test
// builds them) recorded at 50×67, translated to ONNX, and onnxruntime reproduces their eval output
// within 1e-4 relative (DMNet's per-image grouped conv, the attention matmuls and softmaxes, the
// encoding layer). PSANet is refused with its registered reason (PSAMask's gathers).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build, type Config } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";
import { notExportableReason } from "../src/models/not-exportable.js";
import { onnxRelativeDifference } from "./fixtures/onnx-parity.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-context-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const BACKBONE = { type: "resnet18", outputStride: 8, deepStem: true, width: 4 };
const MODELS: [string, Config][] = [
  ["danet_r50", { type: "da", channels: 8, pamChannels: 4 }],
  ["nonlocal_r50", { type: "nl", channels: 8 }],
  ["apcnet_r50", { type: "apc", channels: 8 }],
  ["dmnet_r50", { type: "dm", channels: 8 }],
  ["encnet_r50", { type: "enc", channels: 8, numCodes: 6 }],
];

for (const [name, head] of MODELS) {
  test(`${name} (reduced) exports to ONNX and onnxruntime reproduces the eval output`, async () => {
    const model = build<Segmentor>("model", { type: "encoder_decoder", numClasses: 3, backbone: BACKBONE, head });
    const difference = await onnxRelativeDifference(model, name, [50, 67], tmp);
    assert.ok(difference <= 1e-4, `onnxruntime differs by ${difference} relative`);
    model.dispose();
  });
}

test("psanet_r50 is refused with its registered reason", () => {
  assert.match(notExportableReason("psanet_r50") ?? "", /aten::gather/);
  const model = build<Segmentor>("model", { type: "encoder_decoder", numClasses: 3, backbone: BACKBONE, head: { type: "psa", channels: 8, maskSize: [5, 7] } }).eval();
  assert.throws(() => exportModel(model, join(tmp, "psanet.onnx"), { format: "onnx", size: [50, 67], modelType: "psanet_r50" }), /model psanet_r50 is not exportable: PSAMask/);
  model.dispose();
});
