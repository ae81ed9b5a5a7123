// Every shipped config composes, validates, and builds its model and datasets (CamVid configs read
// ../shared/data/camvid, which tests run beside).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "@segkit/torch";
import { build } from "../src/config/registry.js";
import { loadRunConfig, shippedConfigNames } from "../src/engine/load.js";
import type { Dataset } from "../src/data/types.js";
import type { Segmentor } from "../src/models/segmentors/segmentor.js";
import "../src/data/index.js";
import { buildOptimizer, buildSchedule } from "../src/engine/optimizers.js";

for (const name of shippedConfigNames()) {
  test(`shipped config ${name} builds`, async () => {
    const run = await loadRunConfig(name);
    const live = torch.liveTensors();
    const model = build<Segmentor>("model", run.model, "config.model");
    for (const split of ["train", "val"] as const) {
      const dataset = build<Dataset>("dataset", run.data[split].dataset, `config.data.${split}.dataset`);
      assert.equal(dataset.classes.length, model.numClasses, `${split} classes`);
      assert.ok(dataset.length > 0);
    }
    const optimizer = buildOptimizer(run.optimizer, model.namedParameters());
    buildSchedule(run.schedule, run.train.iters);
    optimizer.dispose();
    model.dispose();
    assert.equal(torch.liveTensors(), live, "the model's tensors are freed");
  });
}
