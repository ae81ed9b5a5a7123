// Which pickled globals a checkpoint may name, and what each becomes. Nothing here runs Python: tensor
// rebuilders and containers are rebuilt in TypeScript, known-executable globals are refused by name,
// and any other class (numpy arrays, mmengine's HistoryBuffer, config objects) becomes an inert placeholder.
import type { DType } from "../dtype.js";
import type { PickleCallable, PickleStateful } from "./pickle.js";

/** A storage type global such as torch.FloatStorage: it only names a dtype. */
export class StorageType implements PickleCallable {
  constructor(readonly qualifiedName: string, readonly dtype: DType) {}
  call(): never {
    throw new Error(`${this.qualifiedName} cannot be called in a checkpoint`);
  }
}

/** A storage referenced by a persistent id: its bytes live in data/KEY (zip) or after the pickle (legacy). */
export interface StorageRef {
  kind: "storage";
  key: string;
  dtype: DType;
  numel: number;
}

/** A tensor as pickled: a window (offset, size, stride in elements) onto a storage. */
export interface TensorRef {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

/** An object of a class we do not rebuild; keeps its name, arguments and state for inspection only. */
export class Placeholder implements PickleStateful {
  state: unknown;
  constructor(readonly qualifiedName: string, readonly args: unknown[]) {}
  setState(state: unknown): void {
    this.state = state;
  }
}

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: "float32", DoubleStorage: "float64", HalfStorage: "float16", BFloat16Storage: "bfloat16",
  LongStorage: "int64", IntStorage: "int32", ShortStorage: "int16", CharStorage: "int8", ByteStorage: "uint8",
  BoolStorage: "bool",
};

// Modules whose members can run code, touch files or processes, or import more; refused outright.
const REFUSED_MODULES = new Set([
  "builtins", "__builtin__", "os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "importlib", "runpy",
  "pickle", "_pickle", "marshal", "types", "functools", "operator", "code", "codeop", "pty", "ctypes", "webbrowser",
  "io", "_io", "pathlib", "tempfile", "multiprocessing", "threading", "signal", "asyncio", "pdb", "timeit", "torch",
]);

function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === "object" && value !== null && (value as TensorRef).kind === "tensor";
}

function callable(qualifiedName: string, call: (args: unknown[]) => unknown): PickleCallable {
  return { qualifiedName, call };
}

function rebuildTensor(qualifiedName: string, args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
  if (typeof storage !== "object" || storage === null || (storage as StorageRef).kind !== "storage" ||
      !Number.isInteger(offset) || (offset as number) < 0 || !isInts(size) || !isInts(stride) || size.length !== stride.length) {
    throw new Error(`${qualifiedName} got arguments that do not describe a tensor`);
  }
  return { kind: "tensor", storage: storage as StorageRef, offset: offset as number, size, stride };
}

/** Resolves one global for the unpickler: rebuilt, placeholder, or refused with its name. */
export function findCheckpointGlobal(module: string, name: string): PickleCallable {
  const qualifiedName = `${module}.${name}`;
  if (module === "torch" && name in STORAGE_DTYPES) return new StorageType(qualifiedName, STORAGE_DTYPES[name]);
  if (module === "torch._utils" && (name === "_rebuild_tensor_v2" || name === "_rebuild_tensor")) {
    return callable(qualifiedName, (args) => rebuildTensor(qualifiedName, args));
  }
  if (module === "torch._utils" && name === "_rebuild_parameter") {
    return callable(qualifiedName, ([tensor]) => {
      if (!isTensorRef(tensor)) throw new Error(`${qualifiedName} wraps something that is not a tensor`);
      return tensor;
    });
  }
  if (module === "collections" && name === "OrderedDict") {
    return callable(qualifiedName, (args) => new Map((args[0] as [unknown, unknown][] | undefined) ?? []));
  }
  const root = module.split(".")[0];
  if (REFUSED_MODULES.has(root)) throw new Error(`refused global ${qualifiedName}: it could run code, and a checkpoint needs no such thing`);
  return callable(qualifiedName, (args) => new Placeholder(qualifiedName, args));
}
