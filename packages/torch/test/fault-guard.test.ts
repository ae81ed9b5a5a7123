// After a fault inside a libtorch kernel nothing libtorch does can be trusted (the guard jumped out
// of the kernel past its destructors and with its locks held): the first error says so, and every
// later call fails until the process restarts. A fault while the kernel runs on several threads is
// fatal, with a message naming the operator. Each case runs in a child process of its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./fault-child.js", import.meta.url));
// The provoked fault is an integer division by zero, which traps only on x86-64.
const skip = process.arch === "x64" ? false : "integer division by zero traps only on x86-64";

function runChild(scenario: string) {
  return spawnSync(process.execPath, [CHILD, scenario], { encoding: "utf8", timeout: 60_000 });
}

test("after a caught fault every later libtorch call fails, naming the fault", { skip }, () => {
  const r = runChild("caught");
  assert.equal(r.signal, null, `the child was killed by ${r.signal}: ${r.stderr.slice(-2000)}`);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
  // The first error is the fault itself (not replaced by noGrad's and tidy's cleanup), and says
  // that the process must restart.
  assert.match(report.first, /^aten::native_channel_shuffle: libtorch crashed \(floating point exception\)/);
  assert.match(report.first, /cannot be trusted in this process any more: every later call fails; restart it/);
  const refused = /libtorch faulted earlier in this process \(floating point exception in aten::native_channel_shuffle\); restart it/;
  for (const [call, message] of Object.entries(report.later as Record<string, string>)) {
    assert.match(message, refused, `${call}: ${message}`);
  }
  assert.match(report.later.add, /^aten::add\.Tensor: /);
  assert.match(report.later.shape, /^shape: /);
  assert.match(report.later.backward, /^backward: /);
  // A worker_thread started afterwards is refused too: libtorch is one per process.
  assert.match(report.worker, refused);
  // dispose() and the grad mode switches still work; the counters stay consistent.
  assert.equal(report.cleanup, "returned");
  assert.equal(report.liveAfter, report.liveBefore - 3);
  assert.equal(report.gradMode, true);
});

test("a fault on the threads of a parallel kernel ends the process with a message naming the operator", { skip }, () => {
  // The kernel's loop runs on an OpenMP team of four; its workers cannot jump back to the caller, and
  // the caller cannot return while they may still use its stack. Today's main dies silently here.
  for (let run = 0; run < 3; run++) {
    const r = runChild("parallel");
    assert.equal(r.error, undefined, `the child did not finish: ${r.error?.message}`);
    assert.doesNotMatch(r.stdout, /survived/, "the process went on after a fault on several threads");
    assert.equal(r.signal, "SIGFPE", `status ${r.status}, signal ${r.signal}: ${r.stderr.slice(-2000)}`);
    assert.match(r.stderr, /segkit: libtorch faulted \(floating point exception\) (on an OpenMP worker thread|inside an OpenMP parallel region, on the calling thread), while running aten::native_channel_shuffle\./);
    assert.match(r.stderr, /the process ends now/);
    assert.match(r.stderr, /setNumThreads\(1\)/);
  }
});
