// The committed generated surface must match what the installed libtorch's schemas generate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { currentOps, GENERATED_PATH } from "../src/codegen/write.js";
import { camelCase } from "../src/codegen/generate.js";

test("src/generated/ops.ts is up to date for the installed libtorch", () => {
  const generated = currentOps();
  const committed = readFileSync(GENERATED_PATH, "utf8");
  assert.ok(generated.source === committed,
    "src/generated/ops.ts is stale for this libtorch: run `npm run codegen -w @segkit/torch` and commit the result");
  assert.ok(generated.operators > 1000, `only ${generated.operators} operators generated`);
});

test("operator names become camelCase identifiers", () => {
  assert.equal(camelCase("max_pool2d_with_indices"), "maxPool2dWithIndices");
  assert.equal(camelCase("_foo_bar_"), "_fooBar_");
  assert.equal(camelCase("__and__"), "__and__");
  assert.equal(camelCase("var"), "var_");
});
