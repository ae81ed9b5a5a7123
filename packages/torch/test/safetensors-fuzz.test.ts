// 1,000 seeded mutations of a safetensors file's header, header length and data, each read by
// parseSafetensors and by the strict reader below, written apart from it: its own JSON parser that
// keeps duplicate keys, and a byte map for the tiling rule. Every file either is rejected by both
// (parseSafetensors with an Error naming the file) or is accepted by both with exactly the same
// tensors: names in header order, dtypes, shapes and every byte. No crash, no silently wrong tensor.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../src/index.js";
import { native } from "../src/native.js";

// ---- The strict reader: the rules of the safetensors specification, one by one. ----

type Json = null | boolean | number | string | Json[] | { pairs: [string, Json][] };

// A JSON parser (RFC 8259) that keeps every key of an object in order, duplicates included.
function parseJson(text: string): Json {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxError(`bad JSON at ${i}`);
  };
  const space = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
  const string = (): string => {
    if (text[i] !== '"') fail();
    i++;
    let out = "";
    for (;;) {
      if (i >= text.length) fail();
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) fail();
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail();
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          if (e === undefined || !Object.hasOwn(escapes, e)) fail();
          out += escapes[e];
          i += 2;
        }
      } else {
        out += c;
        i++;
      }
    }
  };
  const value = (): Json => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      const pairs: [string, Json][] = [];
      space();
      if (text[i] === "}") {
        i++;
        return { pairs };
      }
      for (;;) {
        space();
        const key = string();
        space();
        if (text[i] !== ":") fail();
        i++;
        pairs.push([key, value()]);
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return { pairs };
        } else fail();
      }
    }
    if (c === "[") {
      i++;
      const items: Json[] = [];
      space();
      if (text[i] === "]") {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return items;
        } else fail();
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const number = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    number.lastIndex = i;
    const m = number.exec(text);
    if (!m) fail();
    i += m![0].length;
    return Number(m![0]);
  };
  const v = value();
  space();
  if (i !== text.length) fail();
  return v;
}

const SIZES: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, F16: 2, BF16: 2, I32: 4, F32: 4, I64: 8, F64: 8 };
const DTYPES: Record<string, torch.DType> = {
  BOOL: "bool", U8: "uint8", I8: "int8", I16: "int16", F16: "float16", BF16: "bfloat16", I32: "int32", F32: "float32", I64: "int64", F64: "float64",
};

interface Expected {
  tensors: { name: string; dtype: torch.DType; shape: number[]; bytes: Uint8Array }[];
  metadata: Record<string, string>;
}

const isPairs = (v: Json): v is { pairs: [string, Json][] } => typeof v === "object" && v !== null && !Array.isArray(v);
const isIndex = (v: Json): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

// What a reader that follows the specification returns for `file`, or null when it must refuse it.
function strictRead(file: Uint8Array): Expected | null {
  if (file.length < 8) return null;
  let n = 0n;
  for (let b = 7; b >= 0; b--) n = (n << 8n) | BigInt(file[b]);
  if (n > 100_000_000n || n > BigInt(file.length - 8)) return null;
  const start = 8 + Number(n);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(file.slice(8, start));
  } catch {
    return null;
  }
  if (text[0] !== "{") return null;
  let header: Json;
  try {
    header = parseJson(text);
  } catch {
    return null;
  }
  if (!isPairs(header)) return null;
  const data = file.slice(start);
  const seen = new Set<string>();
  const metadata: Record<string, string> = {};
  const found: { name: string; code: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of header.pairs) {
    if (seen.has(name)) return null;
    seen.add(name);
    if (!isPairs(entry)) return null;
    const keys = entry.pairs.map(([k]) => k);
    if (new Set(keys).size !== keys.length) return null;
    if (name === "__metadata__") {
      for (const [k, v] of entry.pairs) {
        if (typeof v !== "string") return null;
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const field = (k: string) => entry.pairs.find(([key]) => key === k)?.[1];
    const code = field("dtype");
    const shape = field("shape");
    const offsets = field("data_offsets");
    if (typeof code !== "string" || !Object.hasOwn(SIZES, code)) return null;
    if (!Array.isArray(shape) || !shape.every(isIndex)) return null;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) return null;
    const [begin, end] = offsets as number[];
    if (begin > end || end > data.length) return null;
    let count = 1n;
    for (const d of shape as number[]) count *= BigInt(d);
    if (count * BigInt(SIZES[code]) !== BigInt(end - begin)) return null;
    found.push({ name, code, shape: shape as number[], begin, end });
  }
  // Every data byte belongs to exactly one tensor, and an empty tensor sits where one tensor ends
  // and the next begins (or at offset 0): where a reader sorting the entries by offsets expects it.
  const owners = new Uint8Array(data.length);
  for (const t of found) for (let b = t.begin; b < t.end; b++) owners[b]++;
  if (owners.some((k) => k !== 1)) return null;
  const boundaries = new Set([0, ...found.filter((t) => t.end > t.begin).map((t) => t.end)]);
  if (found.some((t) => t.begin === t.end && !boundaries.has(t.begin))) return null;
  return {
    tensors: found.map((t) => ({ name: t.name, dtype: DTYPES[t.code], shape: t.shape, bytes: data.slice(t.begin, t.end) })),
    metadata,
  };
}

// ---- Mutations of a valid file. ----

// A JSON fragment rendered as is (to write a field twice, which JSON.stringify cannot).
class RawJson {
  constructor(readonly text: string) {}
}


let state = 20240613;
const rand = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];

type Entry = Record<string, unknown>;
interface Model {
  entries: [string, unknown][]; // header keys in order, duplicates allowed, __metadata__ among them
  data: Uint8Array;
  lengthDelta: number; // added to the true header length in the first 8 bytes
  before: string; // text before the JSON object
  after: string; // text after it (padding)
}

function baseModel(): Model {
  const specs: [string, string, number[]][] = [
    ["conv.weight", "F32", [2, 3]], ["bn.num_batches_tracked", "I64", [2]], ["empty", "U8", [0, 4]], ["scale", "F16", []],
    ["mask", "BOOL", [3]], ["head.weight", "BF16", [2, 2]], ["bias", "F64", [1]], ["idx", "I32", [2]],
  ];
  const entries: [string, unknown][] = [["__metadata__", { format: "pt", note: "fuzz" }]];
  let offset = 0;
  for (const [name, code, shape] of specs) {
    const bytes = shape.reduce((a, b) => a * b, 1) * SIZES[code];
    entries.push([name, { dtype: code, shape, data_offsets: [offset, offset + bytes] }]);
    offset += bytes;
  }
  const data = new Uint8Array(offset);
  for (let b = 0; b < offset; b++) data[b] = int(0, 255);
  return { entries, data, lengthDelta: 0, before: "", after: "" };
}

function render(m: Model): Uint8Array {
  const body = m.entries.map(([k, v]) => `${JSON.stringify(k)}:${v === undefined ? "null" : JSON.stringify(v)}`).join(",");
  const text = new TextEncoder().encode(`${m.before}{${body}}${m.after}`);
  const file = new Uint8Array(8 + text.length + m.data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(Math.max(0, text.length + m.lengthDelta)), true);
  file.set(text, 8);
  file.set(m.data, 8 + text.length);
  return file;
}

// The entries that are still tensor-like, with a list of offsets.
const tensorEntries = (m: Model) => m.entries.filter(([k, v]) => k !== "__metadata__" && typeof v === "object" && v !== null && !Array.isArray(v) &&
  !(v instanceof RawJson) && Array.isArray((v as Entry).data_offsets)) as [string, Entry][];
const NUMBERS = [-4, -1, 0, 1, 2, 3, 4, 8, 12, 16, 1.5, 2 ** 53, 2 ** 64, -0];
const ODD = [null, "8", true, [], {}, [1], "F32"];

const mutations: ((m: Model) => void)[] = [
  // data_offsets: one end moved, negative, swapped, fractional, huge, not numbers, wrong length
  (m) => {
    const e = pick(tensorEntries(m))?.[1];
    if (!e) return;
    const o = [...(e.data_offsets as number[])];
    const k = int(0, 1);
    o[k] = rand() < 0.5 ? o[k] + int(-8, 8) : pick(NUMBERS);
    e.data_offsets = o;
  },
  (m) => {
    const e = pick(tensorEntries(m))?.[1];
    if (e) e.data_offsets = pick([[...(e.data_offsets as number[])].reverse(), [-4, 0], [0], [0, 4, 8], "0,4", null, [m.data.length, m.data.length + 4]]);
  },
  // another tensor's offsets (overlap), or every later tensor shifted (gap)
  (m) => {
    const all = tensorEntries(m);
    if (all.length > 1) pick(all)[1].data_offsets = [...(pick(all)[1].data_offsets as number[])];
  },
  (m) => {
    const shift = int(1, 8);
    const at = int(0, m.data.length);
    for (const [, e] of tensorEntries(m)) {
      const o = e.data_offsets as number[];
      if (Array.isArray(o)) e.data_offsets = o.map((x) => (typeof x === "number" && x >= at ? x + shift : x));
    }
    const grown = new Uint8Array(m.data.length + shift);
    grown.set(m.data.subarray(0, at));
    grown.set(m.data.subarray(at), at + shift);
    m.data = grown;
  },
  // shapes: a dimension changed, added or dropped; dims that are not counts
  (m) => {
    const e = pick(tensorEntries(m))?.[1];
    if (!e || !Array.isArray(e.shape)) return;
    const s = [...(e.shape as unknown[])];
    const r = rand();
    if (r < 0.3 && s.length > 0) s[int(0, s.length - 1)] = pick([...NUMBERS, ...ODD]);
    else if (r < 0.5) s.push(pick([1, 2, 0]));
    else if (r < 0.7 && s.length > 0) s.pop();
    else if (s.length > 1) s.reverse();
    e.shape = r > 0.95 ? pick(ODD) : s;
  },
  // dtypes: another known one (other byte size, or the same size read differently), unknown ones
  (m) => {
    const e = pick(tensorEntries(m))?.[1];
    if (e) e.dtype = pick([...Object.keys(SIZES), "F8_E4M3", "U16", "f32", "toString", "__proto__", 4, null]);
  },
  (m) => {
    const e = pick(tensorEntries(m))?.[1];
    if (e) delete e[pick(["dtype", "shape", "data_offsets"])];
  },
  (m) => {
    const e = pick(tensorEntries(m))?.[1];
    if (e) e[pick(["extra", "offsets", "dtype_"])] = pick([1, "x", null]);
  },
  // metadata: values that are not strings, metadata that is not an object, extra or missing keys
  (m) => {
    const meta = m.entries.find(([k]) => k === "__metadata__");
    if (!meta) return;
    const r = rand();
    if (r < 0.4 && typeof meta[1] === "object" && meta[1] !== null) (meta[1] as Record<string, unknown>)[pick(["format", "epoch", "x"])] = pick([3, true, null, {}, ["a"], "fine", ""]);
    else if (r < 0.7) meta[1] = pick([[], "pt", null, 5, {}, { a: "b" }]);
    else m.entries = m.entries.filter(([k]) => k !== "__metadata__");
  },
  // whole entries: replaced by a non-object, deleted (its bytes then belong to no tensor), added
  (m) => {
    const i = int(0, m.entries.length - 1);
    if (m.entries[i]) m.entries[i] = [m.entries[i][0], pick([5, null, [], "x", [0, 4]])];
  },
  (m) => {
    if (m.entries.length > 0) m.entries.splice(int(0, m.entries.length - 1), 1);
  },
  (m) => {
    const b = pick([0, 4, 8, m.data.length, int(0, m.data.length)]);
    const code = pick(Object.keys(SIZES));
    const n = pick([0, 0, 1, 2]);
    m.entries.splice(int(0, m.entries.length), 0, [`new${int(0, 9)}`, { dtype: code, shape: [n], data_offsets: [b, b + n * SIZES[code]] }]);
  },
  // duplicate keys: a tensor twice, a field twice (the JSON text keeps both)
  (m) => {
    const e = pick(m.entries);
    if (e) m.entries.splice(int(0, m.entries.length), 0, [e[0], structuredClone(e[1])]);
  },
  (m) => {
    const t = pick(tensorEntries(m));
    if (!t) return;
    const i = m.entries.indexOf(t);
    const fields = Object.entries(t[1]);
    const dup = pick(fields);
    if (!dup) return;
    const text = `{${[...fields, dup].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
    m.entries[i] = [t[0], new RawJson(text)];
  },
  // entry order (allowed), padding (allowed), a leading space or BOM (not)
  (m) => {
    for (let i = m.entries.length - 1; i > 0; i--) {
      const j = int(0, i);
      [m.entries[i], m.entries[j]] = [m.entries[j], m.entries[i]];
    }
  },
  (m) => {
    m.after += pick([" ", "   ", "\t", "\n", "\r\n", "  x", "}", "\u0000"]);
  },
  (m) => {
    m.before = pick([" ", "\ufeff", "\n", "x"]);
  },
  // the header length field, the data (a changed byte is a valid file that holds it), its size
  (m) => {
    m.lengthDelta += pick([-1, 1, -8, 8, 1000, -1000, 2 ** 40]);
  },
  (m) => {
    if (m.data.length > 0) m.data[int(0, m.data.length - 1)] ^= 1 << int(0, 7);
  },
  (m) => {
    m.data = rand() < 0.5 ? m.data.slice(0, Math.max(0, m.data.length - int(1, 8))) : new Uint8Array([...m.data, ...Array.from({ length: int(1, 8) }, () => int(0, 255))]);
  },
];

const benignMutations: ((m: Model) => void)[] = [
  (m) => {
    for (let i = m.entries.length - 1; i > 0; i--) {
      const j = int(0, i);
      [m.entries[i], m.entries[j]] = [m.entries[j], m.entries[i]];
    }
  },
  (m) => {
    m.after += pick([" ", "        ", "\n", "\t"]);
  },
  (m) => {
    if (m.data.length > 0) m.data[int(0, m.data.length - 1)] = int(0, 255);
  },
  (m) => {
    (m.entries.find(([k]) => k === "__metadata__")![1] as Record<string, string>)[pick(["format", "epoch", "__proto__"])] = pick(["", "pt", "12", "ü"]);
  },
];

function renderWithRaw(m: Model): Uint8Array {
  const raws: string[] = [];
  const entries = m.entries.map(([k, v]): [string, unknown] => (v instanceof RawJson ? [k, `\u0001RAW${raws.push(v.text) - 1}\u0001`] : [k, v]));
  let file = render({ ...m, entries });
  if (raws.length === 0) return file;
  // Swap the placeholders for the raw text and fix the header length.
  const n = Number(new DataView(file.buffer).getBigUint64(0, true)) - m.lengthDelta;
  let text = new TextDecoder().decode(file.subarray(8, 8 + n));
  text = text.replace(/"\\u0001RAW(\d+)\\u0001"/g, (_, i: string) => raws[Number(i)]);
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + encoded.length + m.data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, encoded.length + m.lengthDelta)), true);
  out.set(encoded, 8);
  out.set(m.data, 8 + encoded.length);
  file = out;
  return file;
}

// Raw byte flips in the header text (a digit of an offset, a quote, a brace) after the model.
function flipHeaderByte(file: Uint8Array): void {
  const n = Number(new DataView(file.buffer).getBigUint64(0, true));
  const end = Math.min(8 + n, file.length);
  if (end > 8) file[int(8, end - 1)] = pick([0x30 + int(0, 9), 0x22, 0x7b, 0x7d, 0x2c, 0x2d, 0x20, 0xff, int(0, 255)]);
}

test("1,000 mutated files: each is rejected with the file named, or read exactly as a strict reader reads it", () => {
  const live = torch.liveTensors();
  let accepted = 0;
  let rejected = 0;
  const reasons = new Map<string, number>();
  for (let run = 0; run < 1000; run++) {
    const m = baseModel();
    // A fifth of the runs only make changes a file may have (entry order, padding, data values).
    const benign = rand() < 0.2;
    const steps = int(1, 3);
    for (let s = 0; s < steps; s++) pick(benign ? benignMutations : mutations)(m);
    const file = renderWithRaw(m);
    if (!benign && rand() < 0.15) flipHeaderByte(file);
    const source = `fuzz-${run}.safetensors`;
    const expected = strictRead(file);
    let actual: torch.Safetensors | null = null;
    let error: unknown = null;
    try {
      actual = torch.parseSafetensors(file, source);
    } catch (e) {
      error = e;
    }
    const header = new TextDecoder().decode(file.subarray(8, Math.min(file.length, 8 + 400)));
    if (expected === null) {
      assert.ok(error instanceof Error, `run ${run}: a strict reader refuses this file, parseSafetensors read it: ${header}`);
      assert.ok(error.message.startsWith(`${source}: `), `run ${run}: ${error.message}`);
      const reason = error.message.slice(source.length + 2).replace(/"[^"]*"|\[[^\]]*\]|\d+/g, "_").slice(0, 40);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      rejected++;
      continue;
    }
    assert.equal(error, null, `run ${run}: a strict reader accepts this file, parseSafetensors threw ${(error as Error)?.message}: ${header}`);
    const got = actual!;
    assert.deepEqual([...got.tensors.keys()], expected.tensors.map((t) => t.name), `run ${run}: tensor names`);
    for (const t of expected.tensors) {
      const u = got.tensors.get(t.name)!;
      assert.equal(u.dtype, t.dtype, `run ${run}: ${t.name} dtype`);
      assert.deepEqual(u.shape, t.shape, `run ${run}: ${t.name} shape`);
      assert.deepEqual(new Uint8Array(native.toBuffer(u.live())), t.bytes, `run ${run}: ${t.name} bytes`);
    }
    assert.deepEqual({ ...got.metadata }, { ...expected.metadata }, `run ${run}: metadata`);
    for (const u of got.tensors.values()) u.dispose();
    accepted++;
  }
  // Both kinds occur often, and the rejections come from many different rules.
  assert.ok(accepted >= 150 && rejected >= 500, `accepted ${accepted}, rejected ${rejected}`);
  assert.ok(reasons.size >= 15, [...reasons.keys()].join("\n"));
  assert.equal(torch.liveTensors(), live);
});
