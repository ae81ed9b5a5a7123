// Writes state dicts as torch.save's zip format (archive/data.pkl, archive/data/N, archive/version,
// archive/byteorder) so PyTorch's torch.load(..., weights_only=True) reads them back.
import { writeFileAtomic } from "../atomic.js";
import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { buildZip } from "./zip-writer.js";

const STORAGE_NAMES: Partial<Record<DType, string>> = {
  float32: "FloatStorage", float64: "DoubleStorage", float16: "HalfStorage", bfloat16: "BFloat16Storage",
  int64: "LongStorage", int32: "IntStorage", int16: "ShortStorage", int8: "CharStorage", uint8: "ByteStorage",
  bool: "BoolStorage",
};

/** Emits protocol-2 pickle opcodes. */
class PickleWriter {
  private readonly bytes: number[] = [];
  private readonly encoder = new TextEncoder();
  op(code: number): this {
    this.bytes.push(code);
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63);
    this.bytes.push(...this.encoder.encode(`${module}\n${name}\n`));
    return this;
  }
  string(s: string): this {
    const utf8 = this.encoder.encode(s);
    this.op(0x58).uint32(utf8.length);
    this.bytes.push(...utf8);
    return this;
  }
  int(n: number): this {
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.op(0x4a).uint32(n >>> 0);
    // LONG1: 8-byte little-endian two's complement.
    this.op(0x8a).op(8);
    let v = BigInt.asUintN(64, BigInt(n));
    for (let i = 0; i < 8; i++, v >>= 8n) this.bytes.push(Number(v & 0xffn));
    return this;
  }
  tuple(items: number[]): this {
    this.op(0x28);
    for (const n of items) this.int(n);
    return this.op(0x74);
  }
  private uint32(n: number): this {
    this.bytes.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

/** Serialises tensors (in the order given) as a torch.save zip checkpoint holding an OrderedDict. */
export function serializePth(tensors: Map<string, Tensor> | Record<string, Tensor>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const pickle = new PickleWriter().op(0x80).op(2).global("collections", "OrderedDict").op(0x29).op(0x52).op(0x28);
  const files: [string, Uint8Array][] = [];
  entries.forEach(([key, tensor], index) => {
    const storage = STORAGE_NAMES[tensor.dtype];
    if (!storage) throw new Error(`serializePth: tensor "${key}" has dtype ${tensor.dtype}, which .pth writing does not support`);
    const data = tensor.toTypedArray();
    files.push([`archive/data/${index}`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
    const numel = tensor.shape.reduce((a, b) => a * b, 1);
    pickle.string(key).global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    pickle.op(0x28).string("storage").global("torch", storage).string(String(index)).string("cpu").int(numel).op(0x74).op(0x51);
    pickle.int(0).tuple([...tensor.shape]).tuple(contiguousStrides(tensor.shape)).op(0x89);
    pickle.global("collections", "OrderedDict").op(0x29).op(0x52).op(0x74).op(0x52);
  });
  pickle.op(0x75).op(0x2e);
  return buildZip([
    ["archive/data.pkl", pickle.done()],
    ["archive/byteorder", new TextEncoder().encode("little")],
    ...files,
    ["archive/version", new TextEncoder().encode("3\n")],
  ]);
}

/** Writes tensors to a .pth file atomically. */
export function savePth(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>): void {
  writeFileAtomic(path, serializePth(tensors));
}
