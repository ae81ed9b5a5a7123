// Mask2Former's export is refused with its registered reason: a reduced model recorded at 64×64 holds
// ops the ONNX writer does not translate. The second test exports the same model under an
// unregistered name so the writer's own refusal names those ops: it fails once the writer learns
// them, and the registered reason must then be dropped for an onnxruntime parity test.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { exportModel } from "../src/engine/export-model.js";
import "../src/models/index.js";
import type { Mask2Former } from "../src/models/segmentors/mask2former/model.js";
import { notExportableReason } from "../src/models/not-exportable.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-mask2former-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REDUCED = {
  type: "mask2former_r50", numClasses: 4, backbone: { type: "resnet18", width: 8 }, convDim: 32, maskDim: 32, pixelEncoderLayers: 1, pixelDimFeedforward: 64,
  hiddenDim: 32, numQueries: 8, nHeads: 4, dimFeedforward: 64, decoderLayers: 3,
};

test("mask2former_r50 and mask2former_swin_t are refused with their registered reason", () => {
  // The Swin-T variant records the same untranslated ops (checked on a reduced Swin at 64×64 when registered).
  for (const name of ["mask2former_r50", "mask2former_swin_t"]) assert.match(notExportableReason(name) ?? "", /aten::grid_sampler/);
  const model = build<Mask2Former>("model", REDUCED);
  assert.throws(() => exportModel(model, join(tmp, "mask2former.onnx"), { format: "onnx", size: [64, 64], modelType: "mask2former_r50" }), /model mask2former_r50 is not exportable: the ONNX writer/);
  model.dispose();
});

test("the reason is the writer's: the reduced model's recording has the untranslated ops it names", () => {
  const model = build<Mask2Former>("model", REDUCED);
  const error = (() => {
    try {
      exportModel(model, join(tmp, "mask2former-unregistered.onnx"), { format: "onnx", size: [64, 64], modelType: "mask2former_reduced" });
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  })();
  model.dispose();
  assert.ok(error !== null, "the reduced Mask2Former exported: drop its not-exportable reason and test onnxruntime parity instead");
  assert.match(error, /no ONNX translation for/);
  const reason = notExportableReason("mask2former_r50")!;
  for (const op of error.matchAll(/(aten|prim)::\w+/g)) assert.ok(reason.includes(op[0]), `${op[0]} is untranslated but the registered reason does not name it`);
});
