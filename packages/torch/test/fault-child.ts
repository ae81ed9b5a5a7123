// Child process of fault-guard.test.ts: provokes a fault inside a libtorch kernel and reports what
// the process does afterwards. The fault is aten::native_channel_shuffle dividing by its `groups`
// argument unchecked (libtorch 1.13): groups 0 divides by zero on the calling thread; groups larger
// than the channel count makes every thread of its parallel loop divide by zero. Integer division
// by zero traps (SIGFPE) on x86-64.
// Usage: node fault-child.js caught | parallel
import { Worker } from "node:worker_threads";
import * as torch from "../src/index.js";

const scenario = process.argv[2];

function message(fn: () => unknown): string {
  try {
    fn();
    return "returned";
  } catch (e) {
    return (e as Error).message;
  }
}

// What a worker_thread started after the fault gets from its own first libtorch call.
function fromWorker(): Promise<string> {
  const index = new URL("../src/index.js", import.meta.url).href;
  const code = `
    const { parentPort, workerData } = await import("node:worker_threads");
    const torch = await import(workerData.index);
    try { torch.ones([2]); parentPort.postMessage("returned"); } catch (e) { parentPort.postMessage(e.message); }
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: { index } });
    w.once("message", resolve);
    w.once("error", reject);
  });
}

if (scenario === "caught") {
  // One thread: the kernel runs on the calling thread alone, where the guard catches its fault.
  torch.setNumThreads(1);
  const before = torch.tensor([1, 2, 3]);
  const leaf = torch.tensor([1, 2], { dtype: "float32" });
  leaf.requiresGrad = true;
  const loss = leaf.mul(leaf).sum();
  const live = torch.liveTensors();
  const first = message(() => torch.noGrad(() => torch.tidy(() => torch.callOp("aten::native_channel_shuffle", "", torch.ones([1, 4, 2, 2]), 0))));
  const later: Record<string, string> = {
    sameOpAgain: message(() => torch.callOp("aten::native_channel_shuffle", "", before, 1)),
    add: message(() => before.add(1)),
    ones: message(() => torch.ones([2])),
    tensor: message(() => torch.tensor([1, 2])),
    shape: message(() => before.shape),
    toArray: message(() => before.toArray()),
    item: message(() => loss.item()),
    backward: message(() => loss.backward()),
    grad: message(() => torch.grad([loss], [leaf])),
    manualSeed: message(() => torch.manualSeed(1)),
    getRngState: message(() => torch.getRngState()),
  };
  // Cleanup keeps working, so finally blocks do not replace the first error.
  const cleanup = message(() => {
    for (const t of [before, leaf, loss]) t.dispose();
  });
  const report = {
    first,
    later,
    cleanup,
    liveBefore: live,
    liveAfter: torch.liveTensors(),
    gradMode: torch.isGradEnabled(),
    worker: await fromWorker(),
  };
  console.log(JSON.stringify(report));
} else if (scenario === "parallel") {
  // Four threads: the kernel's parallel loop runs on an OpenMP team and every thread faults.
  torch.setNumThreads(4);
  const x = torch.ones([64, 4, 2, 2]);
  const result = message(() => torch.callOp("aten::native_channel_shuffle", "", x, 8));
  console.log(JSON.stringify({ survived: true, result }));
} else {
  throw new Error(`fault-child: unknown scenario ${scenario}`);
}
