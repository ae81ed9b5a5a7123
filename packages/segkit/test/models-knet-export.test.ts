// K-Net export: knet_s3_upernet_r50 and knet_s3_upernet_r18_tiny are refused with their registered
// reason, and the reason is the ONNX writer's own: exporting the tiny model under an unregistered
// name fails on the untranslated ops the reason names.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import type { Segmentor } from "../src/models/index.js";
import "../src/models/index.js";
import { exportModel } from "../src/engine/export-model.js";
import { notExportableReason } from "../src/models/not-exportable.js";

torch.setNumThreads(1);
const tmp = mkdtempSync(join(tmpdir(), "segkit-knet-export-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("knet_s3_upernet_r50 and knet_s3_upernet_r18_tiny are refused with their registered reason", () => {
  for (const name of ["knet_s3_upernet_r50", "knet_s3_upernet_r18_tiny"]) assert.match(notExportableReason(name) ?? "", /aten::chunk .*aten::bmm/);
  const model = build<Segmentor>("model", { type: "knet_s3_upernet_r18_tiny", numClasses: 5 });
  assert.throws(() => exportModel(model, join(tmp, "knet.onnx"), { format: "onnx", size: [64, 64], modelType: "knet_s3_upernet_r18_tiny" }),
    /model knet_s3_upernet_r18_tiny is not exportable: the ONNX writer/);
  model.dispose();
});

test("the reason is the writer's: the tiny model's recording has the untranslated ops it names", () => {
  const model = build<Segmentor>("model", { type: "knet_s3_upernet_r18_tiny", numClasses: 5 });
  assert.throws(() => exportModel(model, join(tmp, "knet-unregistered.onnx"), { format: "onnx", size: [64, 64], modelType: "knet_reduced" }),
    /no ONNX translation for aten::chunk .*prim::ListUnpack .*aten::bmm/);
  model.dispose();
});
