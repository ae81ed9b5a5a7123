// The process survives random arguments to hundreds of operators: the bridge rejects what it cannot
// convert, libtorch's checks throw, and kernels that fault are turned into errors by the fault guard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./fuzz-child.js", import.meta.url));

for (const seed of [7, 11]) {
  test(`random arguments to 300 public operators (seed ${seed})`, () => {
    // Some operators take file names (aten::save-like): run where stray files do no harm.
    const cwd = mkdtempSync(join(tmpdir(), "segkit-fuzz-"));
    try {
      const r = spawnSync(process.execPath, [CHILD, String(seed), "300"], { cwd, encoding: "utf8", timeout: 240_000 });
      assert.equal(r.signal, null, `the fuzz process was killed by ${r.signal}`);
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
      assert.equal(report.operators, 300);
      assert.ok(report.returned > 100 && report.threw > 100, JSON.stringify(report));
      assert.equal(report.live, 0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}
