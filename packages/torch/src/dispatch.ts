// Runtime of the generated operator functions: picks the overload that fits the JS arguments,
// places keyword arguments, unwraps tensors for the addon and wraps the tensors it returns.
import { native, type NativeHandle } from "./native.js";
import { Tensor } from "./tensor.js";
import { RecordedSize } from "./export/recorded-size.js";

/**
 * Argument kinds, one letter each, as codegen writes them:
 * T Tensor, L Tensor[], M (Tensor|null)[], I int, J int[], F float, G float[], B bool, C bool[],
 * S Scalar, D dtype, Y layout, R memory format, V device, Z string, X generator, U unsupported.
 */
type Kind = "T" | "L" | "M" | "I" | "J" | "F" | "G" | "B" | "C" | "S" | "D" | "Y" | "R" | "V" | "Z" | "X" | "U";

interface Arg {
  name: string;          // camelCase
  kind: Kind;
  fixedLength: number;   // int[2]: 2; otherwise 0
  optional: boolean;     // accepts null
  hasDefault: boolean;
  kwargOnly: boolean;
}

export interface Overload {
  op: string;
  overload: string;
  args: Arg[];
  numbersAsTensors: boolean;
  id: number;            // addon op id, resolved on first call
}

/** An operator name's overloads, in the order they are tried (parsed from `specs` on first use). */
export interface OpTable {
  name: string;
  numbersAsTensors: boolean;
  specs: [string, string, string][];
  parsed: Overload[] | null;
}

// "*alpha:S=" → kwarg-only `alpha`, Scalar, has a default; "dim:J1?" → int[1]?, nullable.
function parseArg(spec: string): Arg {
  const kwargOnly = spec.startsWith("*");
  const body = kwargOnly ? spec.slice(1) : spec;
  const colon = body.indexOf(":");
  const name = body.slice(0, colon);
  const rest = body.slice(colon + 1);
  const match = /^([A-Z])(\d*)(\??)(=?)$/.exec(rest);
  if (!match) throw new Error(`bad argument spec ${spec}`);
  return {
    name, kind: match[1] as Kind, fixedLength: match[2] ? Number(match[2]) : 0,
    optional: match[3] === "?", hasDefault: match[4] === "=", kwargOnly,
  };
}

/** An op table from codegen's compact form: [[op, overload, "arg,arg,..."], ...]. */
export function opTable(name: string, numbersAsTensors: boolean, specs: [string, string, string][]): OpTable {
  return { name, numbersAsTensors, specs, parsed: null };
}

function overloadsOf(table: OpTable): Overload[] {
  table.parsed ??= table.specs.map(([op, overload, args]) => ({
    op, overload, numbersAsTensors: table.numbersAsTensors, id: -1, args: args === "" ? [] : args.split(",").map(parseArg),
  }));
  return table.parsed;
}

const isInt = (v: unknown): boolean => Number.isInteger(v) || typeof v === "bigint";
/** An int-list item: sizes recorded by sizeOf() go to the addon as their tensors. */
const isSize = (v: unknown): boolean => isInt(v) || v instanceof RecordedSize;
const DTYPE_NAMES = new Set(["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128"]);
const DEVICE = /^(cpu|cuda|mps|meta|xpu)(:\d+)?$/;

function fits(arg: Arg, v: unknown, numbersAsTensors: boolean): boolean {
  if (v === undefined) return arg.hasDefault || arg.optional;
  if (v === null) return arg.optional;
  switch (arg.kind) {
    case "T": return v instanceof Tensor || (numbersAsTensors && (typeof v === "number" || typeof v === "boolean"));
    case "L": return Array.isArray(v) && v.every((e) => e instanceof Tensor);
    case "M": return Array.isArray(v) && v.every((e) => e === null || e === undefined || e instanceof Tensor);
    case "I": return isInt(v);
    case "J": return (Array.isArray(v) && v.every(isSize)) || (arg.fixedLength > 0 && isInt(v));
    case "F": return typeof v === "number";
    case "G": return (Array.isArray(v) && v.every((e) => typeof e === "number")) || (arg.fixedLength > 0 && typeof v === "number");
    case "B": return typeof v === "boolean";
    case "C": return Array.isArray(v) && v.every((e) => typeof e === "boolean");
    case "S": return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint";
    case "D": return typeof v === "string" && DTYPE_NAMES.has(v);
    case "Y": case "R": case "Z": return typeof v === "string";
    case "V": return typeof v === "string" && DEVICE.test(v);
    case "X": case "U": return false;
  }
}

function isKeywordObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

// The argument list for `overload`, or null if the JS arguments don't fit it.
function bind(overload: Overload, positional: unknown[], keywords: Record<string, unknown> | null): unknown[] | null {
  const { args } = overload;
  if (positional.length > args.length) return null;
  const values = new Array<unknown>(args.length);
  for (let i = 0; i < positional.length; i++) {
    if (args[i].kwargOnly && positional[i] !== undefined) return null;
    values[i] = positional[i];
  }
  if (keywords !== null) {
    for (const key of Object.keys(keywords)) {
      const index = args.findIndex((a) => a.name === key);
      if (index < 0 || (index < positional.length && positional[index] !== undefined)) return null;
      values[index] = keywords[key];
    }
  }
  for (let i = 0; i < args.length; i++) {
    if (!fits(args[i], values[i], overload.numbersAsTensors)) return null;
  }
  return values;
}

function handleOf(t: Tensor, overload: Overload, index: number): NativeHandle {
  if (t.handle === null) {
    throw new Error(`${overload.op}.${overload.overload}: argument '${overload.args[index].name}' is a disposed Tensor`);
  }
  return t.handle;
}

function unwrap(v: unknown, overload: Overload, index: number): unknown {
  if (v instanceof Tensor) return handleOf(v, overload, index);
  if (Array.isArray(v)) {
    return v.map((e) => (e instanceof Tensor ? handleOf(e, overload, index) : e instanceof RecordedSize ? handleOf(e.size, overload, index) : e));
  }
  return v;
}

/**
 * Tensors of the addon's result become Tensor objects. In-place and out= operators return one of
 * their arguments: the addon hands back the very handle it was given, which maps to its Tensor.
 */
export function wrapResult(v: unknown, nativeArgs: unknown[], args: unknown[]): unknown {
  if (Array.isArray(v)) return v.map((e) => wrapResult(e, nativeArgs, args));
  if (typeof v !== "bigint") return v; // the addon returns no integer as a bigint: bigints are tensor handles
  const argIndex = nativeArgs.indexOf(v);
  if (argIndex >= 0) return args[argIndex];
  return new Tensor(v as NativeHandle);
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return v.isDisposed ? "Tensor(disposed)" : `Tensor(${v.dtype}[${v.shape.join(",")}])`;
  if (Array.isArray(v)) return `[${v.map(describe).join(", ")}]`;
  if (isKeywordObject(v)) return `{${Object.entries(v).map(([k, e]) => `${k}: ${describe(e)}`).join(", ")}}`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function signature(o: Overload): string {
  const args = o.args.map((a) => `${a.kwargOnly ? "*" : ""}${a.name}${a.hasDefault || a.optional ? "?" : ""}`);
  return `${o.op}${o.overload ? "." + o.overload : ""}(${args.join(", ")})`;
}

let defaultDevice: string | null = null;

/**
 * Runs `fn` with factory operators (empty, zeros, randn, ... — those without tensor inputs) creating
 * their tensors on `device` unless given one, as PyTorch's `with torch.device(...)`. On "meta" a
 * model is built as shapes only: counting its parameters allocates no memory for them.
 */
export function withDefaultDevice<T>(device: string, fn: () => T): T {
  if (!DEVICE.test(device)) throw new RangeError(`withDefaultDevice: expected a device such as "cpu" or "meta", got ${JSON.stringify(device)}`);
  const outer = defaultDevice;
  defaultDevice = device;
  try {
    return fn();
  } finally {
    defaultDevice = outer;
  }
}

function placeOnDefaultDevice(overload: Overload, values: unknown[]): void {
  if (overload.args.some((a) => a.kind === "T" || a.kind === "L" || a.kind === "M")) return;
  const i = overload.args.findIndex((a) => a.kind === "V" && a.name === "device");
  if (i >= 0 && (values[i] === undefined || values[i] === null)) values[i] = defaultDevice;
}

/** Calls the first overload of `table` that fits `args` (a trailing plain object holds keyword arguments). */
export function invoke(table: OpTable, args: unknown[]): unknown {
  let positional = args;
  let keywords: Record<string, unknown> | null = null;
  if (args.length > 0 && isKeywordObject(args[args.length - 1])) {
    keywords = args[args.length - 1] as Record<string, unknown>;
    positional = args.slice(0, -1);
  }
  const overloads = overloadsOf(table);
  for (const overload of overloads) {
    const values = bind(overload, positional, keywords);
    if (values === null) continue;
    if (overload.id < 0) overload.id = native.opId(overload.op, overload.overload);
    if (defaultDevice !== null) placeOnDefaultDevice(overload, values);
    let end = values.length;
    while (end > 0 && values[end - 1] === undefined) end--;
    const nativeArgs = new Array<unknown>(end);
    for (let i = 0; i < end; i++) nativeArgs[i] = unwrap(values[i], overload, i);
    return wrapResult(native.call(overload.id, ...nativeArgs), nativeArgs, values);
  }
  throw new TypeError(
    `${table.name}: no overload accepts (${args.map(describe).join(", ")}); the overloads are:\n  ` +
      overloads.map(signature).join("\n  "),
  );
}
