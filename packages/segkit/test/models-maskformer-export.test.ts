// MaskFormer's export is refused with its registered reason: a reduced model recorded at 64×64 holds
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
import type { MaskFormer } from "../src/models/segmentors/maskformer/model.js";
import { notExportableReason } from "../src/models/not-exportable.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-maskformer-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REDUCED = {
  type: "maskformer_r50", numClasses: 4, backbone: { type: "resnet18", width: 8 }, convDim: 32, maskDim: 32, hiddenDim: 32,
  numQueries: 8, nHeads: 4, dimFeedforward: 64, decoderLayers: 2, dropout: 0,
};

test("maskformer_r50 and maskformer_panoptic_r50 are refused with their registered reason", () => {
  for (const name of ["maskformer_r50", "maskformer_panoptic_r50"]) assert.match(notExportableReason(name) ?? "", /aten::bmm/);
  const model = build<MaskFormer>("model", REDUCED);
  assert.throws(() => exportModel(model, join(tmp, "maskformer.onnx"), { format: "onnx", size: [64, 64], modelType: "maskformer_r50" }), /model maskformer_r50 is not exportable: the ONNX writer/);
  model.dispose();
});

test("the reason is the writer's: the reduced model's recording has the untranslated ops it names", () => {
  const model = build<MaskFormer>("model", REDUCED);
  const error = (() => {
    try {
      exportModel(model, join(tmp, "maskformer-unregistered.onnx"), { format: "onnx", size: [64, 64], modelType: "maskformer_reduced" });
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  })();
  model.dispose();
  assert.ok(error !== null, "the reduced MaskFormer exported: drop its not-exportable reason and test onnxruntime parity instead");
  assert.match(error, /no ONNX translation for/);
  const reason = notExportableReason("maskformer_r50")!;
  for (const op of error.matchAll(/(aten|prim)::\w+/g)) assert.ok(reason.includes(op[0]), `${op[0]} is untranslated but the registered reason does not name it`);
});
