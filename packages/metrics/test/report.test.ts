import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfusionMatrix, report, summarize } from "../src/index.js";

const s = summarize(ConfusionMatrix.fromCounts([[3, 1, 0], [0, 2, 0], [0, 0, 0]]));
const names = ["sky", "road, wet", "car"];

test("text and Markdown tables show percentages with class names, nan for absent classes", () => {
  const text = report(s, "text", { names });
  assert.match(text, /^class\s+IoU\s+Acc\s+Precision\s+Dice$/m);
  assert.match(text, /^sky\s+75\.00\s+75\.00\s+100\.00\s+85\.71$/m);
  assert.match(text, /^car\s+nan\s+nan\s+nan\s+nan$/m);
  assert.match(text, /mIoU 70\.83/);
  const md = report(s, "markdown", { names });
  assert.match(md, /^\| road, wet \| 66\.67 \| 100\.00 \| 66\.67 \| 80\.00 \|$/m);
});

test("CSV quotes names and keeps fractions; JSON uses null for NaN", () => {
  const csv = report(s, "csv", { names }).split("\n");
  assert.equal(csv[0], "class,IoU,Acc,Precision,Dice");
  assert.equal(csv[2], `"road, wet",${2 / 3},1,${2 / 3},0.8`);
  const json = JSON.parse(report(s, "json", { names }));
  assert.deepEqual(json.IoU, [0.75, 2 / 3, null]);
  assert.deepEqual(json.classes, names);
  assert.throws(() => report(s, "text", { names: ["a"] }), /1 class names given for 3 classes/);
});
