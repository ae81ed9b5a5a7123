// Child process of fuzz.test.ts: calls operators with random arguments drawn from their schemas and
// reports how many calls returned or threw. A native crash would end this process with a signal.
// A fault the guard catches ends libtorch for this process (every later call is refused), so the
// child stops at the first one and reports where to go on: the parent starts a fresh child there.
// The arguments of operator number i depend only on the seed and i, so a resumed run calls the
// same operators with the same arguments as an uninterrupted one would.
// Usage: node fuzz-child.js SEED COUNT [--from I] [--all] [--verbose]
import { native, type SchemaArgument } from "../src/native.js";
import * as torch from "../src/index.js";

const [seedText, countText] = process.argv.slice(2);
const includeInternal = process.argv.includes("--all");
const verbose = process.argv.includes("--verbose");
const fromIndex = process.argv.indexOf("--from");
const from = fromIndex > 0 ? Number(process.argv[fromIndex + 1]) : 0;
const seed = Number(seedText) >>> 0 || 1;
// One thread: a kernel that faults then faults on the calling thread, where the guard makes it an
// error, and not on an OpenMP worker, where it would end the process (fault_guard.h).
torch.setNumThreads(1);
let state = seed;
const rand = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

const kinds = native.kindNames();
const DTYPES: torch.DType[] = ["float32", "float64", "int64", "int32", "uint8", "bool", "float16"];

function randomTensor(): torch.Tensor {
  const shape = Array.from({ length: int(0, 4) }, () => int(0, 4));
  const dtype = pick(DTYPES);
  return torch.randn(shape).mul(3).to(dtype);
}

function randomValue(arg: SchemaArgument): unknown {
  if ((arg.optional || arg.default !== undefined) && rand() < 0.2) return rand() < 0.5 ? null : undefined;
  switch (kinds[arg.kind]) {
    case "Tensor": return randomTensor();
    case "TensorList": return Array.from({ length: int(0, 3) }, randomTensor);
    case "OptionalTensorList": return Array.from({ length: int(0, 3) }, () => (rand() < 0.3 ? null : randomTensor()));
    case "Int": return int(-3, 5);
    case "IntList": return Array.from({ length: arg.fixedLength > 0 ? arg.fixedLength : int(0, 4) }, () => int(-2, 4));
    case "Float": return pick([0, 1, -1.5, 0.5, 1e-3, 3]);
    case "FloatList": return Array.from({ length: int(0, 3) }, () => pick([0, 1, 0.5, 2]));
    case "Bool": return rand() < 0.5;
    case "BoolList": return Array.from({ length: arg.fixedLength > 0 ? arg.fixedLength : int(0, 3) }, () => rand() < 0.5);
    case "Scalar": return pick([0, 1, -2, 0.5, true]);
    case "ScalarType": return pick(DTYPES);
    case "Layout": return "strided";
    case "MemoryFormat": return pick(["contiguous", "channels_last", "preserve"]);
    case "Device": return "cpu";
    case "String": return pick(["mean", "sum", "none", "floor", "trunc", "tanh", "reflect", "linear", "x"]);
    default: return null;
  }
}

// The user-facing operators: not underscore internals, not the backward kernels autograd calls with
// inputs it has already checked, not backend-specific kernels (--all takes every aten operator).
const INTERNAL = /^aten::(_|.*_backward$|quantized_|fbgemm_|mkldnn_|cudnn_|miopen_)/;
const schemas = native.schemas().filter((s) => s.name.startsWith("aten::") && (includeInternal || !INTERNAL.test(s.name)));
// One schema per operator name keeps the sample wide; the order is fixed by the seed.
const byName = new Map<string, typeof schemas>();
for (const s of schemas) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
const names = [...byName.keys()].sort();
for (let i = names.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [names[i], names[j]] = [names[j], names[i]];
}
const chosen = names.slice(0, Number(countText));
const faults: string[] = [];
let returned = 0;
let threw = 0;
let next = chosen.length;
let refusedAfterFault = false;
operators: for (let index = from; index < chosen.length; index++) {
  state = (Math.imul(seed, 2654435761) ^ Math.imul(index + 1, 40503)) >>> 0 || 1;
  torch.manualSeed(seed * 100_003 + index);
  for (const schema of byName.get(chosen[index])!) {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (verbose) process.stderr.write(`${schema.schema}\n`);
      let faulted = false;
      torch.tidy(() => {
        const args = schema.args.map(randomValue);
        try {
          torch.callOp(schema.name, schema.overload, ...args);
          returned++;
        } catch (e) {
          threw++;
          if (/libtorch crashed/.test((e as Error).message)) {
            faults.push(schema.name);
            faulted = true;
            if (verbose) process.stderr.write(`FAULT ${(e as Error).message}\n`);
          }
        }
      });
      if (faulted) {
        try {
          torch.ones([1]);
        } catch (e) {
          refusedAfterFault = /libtorch faulted earlier in this process/.test((e as Error).message);
        }
        next = index + 1;
        break operators;
      }
    }
  }
}
console.log(JSON.stringify({ from, next, returned, threw, faults, refusedAfterFault, live: torch.liveTensors() }));
