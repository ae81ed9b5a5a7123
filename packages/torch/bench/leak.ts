// npm run bench -- leak: 2,000 training steps of a small conv net written with raw ops; resident
// memory after warm-up and at the end, and the live-tensor count before and after.
import * as torch from "../src/index.js";

const STEPS = 2_000;
const WARMUP = 200;

torch.manualSeed(0);
const live0 = torch.liveTensors();
const params = torch.tidy(() => [torch.randn([16, 3, 3, 3]).mul(0.2), torch.zeros([16]), torch.randn([4, 16, 3, 3]).mul(0.1), torch.zeros([4])]);
for (const p of params) p.requiresGrad = true;
const x = torch.randn([4, 3, 32, 32]);
const target = torch.randint(0, 4, [4, 32, 32]);

function step(): number {
  const loss = torch.tidy(() => {
    const h = torch.conv2d(x, params[0], params[1], 1, 1).relu();
    const logits = torch.conv2d(h, params[2], params[3], 1, 1);
    const l = torch.crossEntropyLoss(logits, target);
    l.backward();
    return l.item();
  });
  torch.noGrad(() => {
    for (const p of params) {
      const g = p.grad!;
      p.sub_(g, { alpha: 0.05 });
      g.zero_();
    }
  });
  return loss;
}

const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
let first = 0;
for (let i = 0; i < WARMUP; i++) first = i === 0 ? step() : (step(), first);
const warm = rssMb();
let last = 0;
for (let i = WARMUP; i < STEPS; i++) last = step();
const end = rssMb();
for (const p of [...params, x, target]) p.dispose();
const live1 = torch.liveTensors();
const growth = ((end - warm) / warm) * 100;
console.log(`loss ${first.toFixed(4)} -> ${last.toFixed(4)}; RSS after ${WARMUP} warm-up steps ${warm.toFixed(1)} MiB, after ${STEPS} steps ${end.toFixed(1)} MiB (${growth.toFixed(2)}%); live tensors ${live0} -> ${live1}`);
console.log(JSON.stringify({ suite: "leak", steps: STEPS, rss_warm_mb: warm, rss_end_mb: end, growth_pct: growth, live_start: live0, live_end: live1, ok: growth <= 5 && live1 === live0 }));
