// The process survives random arguments to hundreds of operators: the bridge rejects what it cannot
// convert, libtorch's checks throw, and kernels that fault are turned into errors by the fault guard.
// A caught fault ends libtorch for its process, so each one costs a fresh child that goes on with
// the next operator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./fuzz-child.js", import.meta.url));
const OPERATORS = 300;

for (const seed of [7, 11]) {
  test(`random arguments to ${OPERATORS} public operators (seed ${seed})`, () => {
    // Some operators take file names (aten::save-like): run where stray files do no harm.
    const cwd = mkdtempSync(join(tmpdir(), "segkit-fuzz-"));
    try {
      let from = 0;
      let returned = 0;
      let threw = 0;
      const faults: string[] = [];
      for (let children = 0; from < OPERATORS; children++) {
        assert.ok(children < 50, `more than 50 children: ${faults.join(", ")}`);
        const r = spawnSync(process.execPath, [CHILD, String(seed), String(OPERATORS), "--from", String(from)],
          { cwd, encoding: "utf8", timeout: 240_000 });
        assert.equal(r.signal, null, `the fuzz process was killed by ${r.signal} (from operator ${from}): ${r.stderr.slice(-2000)}`);
        assert.equal(r.status, 0, r.stderr.slice(-2000));
        const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.equal(report.from, from);
        assert.ok(report.next > from && report.next <= OPERATORS, JSON.stringify(report));
        assert.equal(report.live, 0, JSON.stringify(report));
        if (report.next < OPERATORS || report.faults.length > 0) {
          // The child stopped at a caught fault, after which libtorch refused its next call.
          assert.equal(report.faults.length, 1, JSON.stringify(report));
          assert.equal(report.refusedAfterFault, true, JSON.stringify(report));
        }
        returned += report.returned;
        threw += report.threw;
        faults.push(...report.faults);
        from = report.next;
      }
      assert.ok(returned > 100 && threw > 100, JSON.stringify({ returned, threw, faults }));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}
