// The loader fails, never hangs: a sample whose read throws, and a worker thread that exits cleanly
// (process.exit in the dataset) or crashes (an uncaught error), reject the epoch with a message naming
// the sample by index and file, and leave no worker thread behind. Each scenario runs in a child
// process that preloads (`node --import`) a dataset registered for this test, so the loader's
// workers see it too; the child must finish within a timeout and then exit on its own, which it
// cannot do while a worker is left running.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);

// Sample `at` of a 6-sample synthetic dataset fails as `how` says; only inside a worker thread for
// the ways that end the thread (on the calling thread they would end the test process).
const preload = `
import { isMainThread } from "node:worker_threads";
const { register, build } = await import(${here("../src/config/registry.js")});
await import(${here("../src/data/datasets/index.js")});
register("dataset", "failing_for_test", {
  options: ["how", "at"],
  build: ({ how, at }) => {
    const inner = build("dataset", { type: "synthetic", length: 6, size: [8, 8] });
    return {
      classes: inner.classes, palette: inner.palette, ignoreIndex: inner.ignoreIndex, length: inner.length,
      file: (i) => "failing-" + i + ".png",
      get: () => { throw new Error("not used"); },
      raw: async (i) => {
        if (i !== at) return inner.raw(i);
        if (how === "throw") throw new Error("unreadable on purpose");
        if (isMainThread) throw new Error("this way of failing needs a worker thread");
        if (how === "exit") process.exit(0);
        setTimeout(() => { throw new Error("worker thread crashed on purpose"); });
        return new Promise(() => {});
      },
    };
  },
});`;

// Runs one epoch per case (without close()) under a timeout, then a second epoch; prints what failed.
const script = (cases: { how: string; workers: number }[]): string => `
const { DataLoader } = await import(${here("../src/data/loader/data-loader.js")});
const results = [];
async function drain(loader) {
  let hang;
  const timeout = new Promise((_, reject) => { hang = setTimeout(() => reject(new Error("the epoch hung")), 20000); });
  try {
    await Promise.race([(async () => { for await (const b of loader.epoch()) { b.images.dispose(); b.labels.dispose(); } })(), timeout]);
    return "no error";
  } catch (e) {
    return e.message;
  } finally {
    clearTimeout(hang);
  }
}
for (const { how, workers } of ${JSON.stringify(cases)}) {
  const loader = new DataLoader({ dataset: { type: "failing_for_test", how, at: 2 }, batchSize: 1, workers });
  results.push({ how, workers, first: await drain(loader), second: await drain(loader) });
}
console.log(JSON.stringify(results));`;

async function runCases(cases: { how: string; workers: number }[]): Promise<{ how: string; workers: number; first: string; second: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), "segkit-loader-failures-"));
  try {
    writeFileSync(join(dir, "preload.mjs"), preload);
    writeFileSync(join(dir, "main.mjs"), script(cases));
    // The child must exit by itself: a leftover worker thread would keep it alive past the timeout.
    const { stdout } = await run(process.execPath, ["--import", join(dir, "preload.mjs"), join(dir, "main.mjs")], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split("\n").pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a sample whose read throws fails the epoch naming its index and file, with 0, 1 and 2 workers", async () => {
  const results = await runCases([0, 1, 2].map((workers) => ({ how: "throw", workers })));
  assert.equal(results.length, 3);
  for (const r of results) {
    assert.match(r.first, /^sample 2 \(failing-2\.png\): unreadable on purpose$/, `${r.workers} workers`);
    assert.match(r.second, /^sample 2 \(failing-2\.png\): unreadable on purpose$/, `${r.workers} workers: a sample error does not stop the loader`);
  }
});

test("a worker that exits or crashes fails the epoch naming the sample, stops the loader and leaves no thread, with 1 and 2 workers", async () => {
  const results = await runCases(["exit", "crash"].flatMap((how) => [1, 2].map((workers) => ({ how, workers }))));
  assert.equal(results.length, 4);
  for (const r of results) {
    const how = r.how === "exit" ? /code 0\)/ : /code 1: worker thread crashed on purpose\)/;
    assert.match(r.first, /loader worker 0 exited \(code /, `${r.how}, ${r.workers} workers`);
    assert.match(r.first, how, `${r.how}, ${r.workers} workers`);
    assert.match(r.first, /while making .*sample 2 \(failing-2\.png\)/, `${r.how}, ${r.workers} workers`);
    assert.equal(r.second, r.first.slice(r.first.indexOf("loader worker")), "a stopped loader fails at once, with the same reason");
  }
});
