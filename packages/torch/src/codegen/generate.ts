// Writes the typed operator surface (src/generated/ops.ts) from the dispatcher's schemas: one
// function per aten operator name with a TypeScript overload per schema overload, and the same as
// Tensor methods where the first argument is `self`.
import type { OperatorSchema, SchemaArgument } from "../native.js";

// The addon's kind names (kindNames()) → the one-letter kinds of dispatch.ts.
const KIND_LETTERS: Record<string, string> = {
  Tensor: "T", TensorList: "L", OptionalTensorList: "M", Int: "I", IntList: "J", Float: "F", FloatList: "G",
  Bool: "B", BoolList: "C", Scalar: "S", ScalarType: "D", Layout: "Y", MemoryFormat: "R", Device: "V",
  String: "Z", Generator: "X", Unsupported: "U",
};

const TS_TYPES: Record<string, string> = {
  T: "Tensor", L: "Tensor[]", M: "(Tensor | null)[]", I: "number", J: "Size[]", F: "number", G: "number[]",
  B: "boolean", C: "boolean[]", S: "Scalar", D: "DType", Y: "Layout", R: "MemoryFormat", V: "string", Z: "string",
  X: "null",
};

// Operators whose Tensor arguments also take numbers (mirrors allowsNumbersAsTensors in dispatch.cc).
const NUMBERS_AS_TENSORS = new Set([
  "add", "add_", "sub", "sub_", "subtract", "subtract_", "mul", "mul_", "multiply", "multiply_", "div", "div_",
  "divide", "divide_", "true_divide", "true_divide_", "floor_divide", "floor_divide_", "copy_", "_to_copy", "to",
]);

// Tensor members written by hand (tensor.ts); generated methods of these names are left out.
export const HAND_WRITTEN_MEMBERS = new Set([
  "handle", "live", "shape", "dtype", "device", "ndim", "numel", "isDisposed", "isLeaf", "gradFn", "requiresGrad", "grad",
  "backward", "item", "toTypedArray", "toArray", "dispose", "keep", "guardByGc", "toString", "constructor",
]);

const JS_RESERVED = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
  "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
  "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
  "let", "static", "implements", "interface", "package", "private", "protected", "public", "await", "arguments", "eval",
]);

/** `max_pool2d_with_indices` → `maxPool2dWithIndices`; leading/trailing underscores and dunders stay. */
export function camelCase(name: string): string {
  if (/^__.*__$/.test(name)) return name;
  const m = /^(_*)(.*?)(_*)$/.exec(name)!;
  const words = m[2].split("_").filter((w) => w.length > 0);
  const middle = words.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join("");
  const out = m[1] + middle + m[3];
  return JS_RESERVED.has(out) ? out + "_" : out;
}

interface Arg {
  name: string;
  letter: string;
  optional: boolean;
  hasDefault: boolean;
  kwargOnly: boolean;
  fixedLength: number;
}

function toArg(a: SchemaArgument, kindNames: string[]): Arg {
  return {
    name: camelCase(a.name), letter: KIND_LETTERS[kindNames[a.kind]] ?? "U", optional: a.optional,
    hasDefault: a.default !== undefined, kwargOnly: a.kwargOnly, fixedLength: a.fixedLength > 0 ? a.fixedLength : 0,
  };
}

function argSpec(a: Arg): string {
  return `${a.kwargOnly ? "*" : ""}${a.name}:${a.letter}${a.fixedLength || ""}${a.optional ? "?" : ""}${a.hasDefault ? "=" : ""}`;
}

function paramType(a: Arg, numbersAsTensors: boolean): string {
  let t = TS_TYPES[a.letter];
  if (a.letter === "T" && numbersAsTensors) t = "Tensor | number";
  if ((a.letter === "J" || a.letter === "G") && a.fixedLength > 0) t = `number | ${t}`;
  return a.optional ? `${t} | null` : t;
}

function returnType(returns: string[]): string | null {
  const one = (r: string): string | null => {
    const optional = r.endsWith("?");
    const base = optional ? r.slice(0, -1) : r;
    const map: Record<string, string> = {
      Tensor: "Tensor", "Tensor[]": "Tensor[]", int: "number", SymInt: "number", float: "number", bool: "boolean",
      Scalar: "number | boolean", ScalarType: "number", str: "string", "int[]": "number[]", "SymInt[]": "number[]",
      "float[]": "number[]", "bool[]": "boolean[]", Device: "string", Layout: "number", MemoryFormat: "number",
    };
    const t = map[base];
    if (t === undefined) return null;
    return optional ? `${t} | null` : t;
  };
  if (returns.length === 0) return "void";
  const parts = returns.map(one);
  if (parts.some((p) => p === null)) return null;
  return parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
}

interface Overload {
  schema: OperatorSchema;
  args: Arg[];
  ret: string;
  isOut: boolean;
}

// Out variants last, Scalar variants after Tensor ones (numbers go to the cheaper Tensor overloads).
function rank(o: Overload): number {
  if (o.isOut) return 2;
  return /Scalar/.test(o.schema.overload) ? 1 : 0;
}

// TypeScript signatures for one overload: all-positional, and required-positional + options object.
function signatures(o: Overload, numbersAsTensors: boolean, dropSelf: boolean): string[] {
  const args = dropSelf ? o.args.slice(1) : o.args;
  const positional = args.filter((a) => !a.kwargOnly);
  const canOmit = (a: Arg): boolean => a.hasDefault || a.optional;
  const lastRequired = positional.reduce((last, a, i) => (canOmit(a) ? last : i), -1);
  const param = (a: Arg, i: number): string =>
    `${a.name}${i > lastRequired ? "?" : ""}: ${paramType(a, numbersAsTensors)}`;
  const out: string[] = [];
  const keywordRequired = args.filter((a) => a.kwargOnly && !canOmit(a));
  const inOptions = args.filter((a) => canOmit(a) || a.kwargOnly);
  const optionsType = `{ ${inOptions.map((a) => `${a.name}${canOmit(a) ? "?" : ""}: ${paramType(a, numbersAsTensors)}`).join("; ")} }`;
  if (keywordRequired.length === 0 && (positional.some((_, i) => i > lastRequired) || inOptions.length === 0)) {
    out.push(positional.map(param).join(", "));
  }
  if (inOptions.length > 0) {
    const required = positional.slice(0, lastRequired + 1).map(param);
    out.push([...required, `options${keywordRequired.length > 0 ? "" : "?"}: ${optionsType}`].join(", "));
  }
  return out;
}

function docOf(schema: OperatorSchema): string {
  return `/** ${schema.schema.replace(/\*\//g, "*\\/")} */`;
}

export interface Generated {
  source: string;
  operators: number;
  schemas: number;
  skipped: number;
}

export function generateOps(schemas: OperatorSchema[], kindNames: string[], torchVersion: string): Generated {
  const byName = new Map<string, OperatorSchema[]>();
  for (const s of schemas) {
    if (!s.name.startsWith("aten::")) continue;
    const bare = s.name.slice("aten::".length);
    if (!byName.has(bare)) byName.set(bare, []);
    byName.get(bare)!.push(s);
  }
  const names = [...byName.keys()].sort();
  const camelOwners = new Map<string, string>();
  const tables: string[] = [];
  const functions: string[] = [];
  const methodMembers: string[] = [];
  const methodNames: string[] = [];
  let schemaCount = 0;
  let skipped = 0;
  for (const bare of names) {
    const numbersAsTensors = NUMBERS_AS_TENSORS.has(bare);
    const overloads: Overload[] = [];
    for (const schema of byName.get(bare)!) {
      const args = schema.args.map((a) => toArg(a, kindNames));
      const ret = returnType(schema.returns);
      if (ret === null || args.some((a) => a.letter === "U" && !a.hasDefault && !a.optional)) {
        skipped++;
        continue;
      }
      overloads.push({ schema, args, ret, isOut: schema.args.some((a) => a.isOut) });
    }
    if (overloads.length === 0) continue;
    overloads.sort((a, b) => rank(a) - rank(b));
    schemaCount += overloads.length;
    let fn = camelCase(bare);
    if (camelOwners.has(fn)) fn = bare; // two snake names with one camelCase form: keep the snake one
    camelOwners.set(fn, bare);
    const specs = overloads.map((o) => `[${JSON.stringify("aten::" + bare)}, ${JSON.stringify(o.schema.overload)}, ${JSON.stringify(o.args.map(argSpec).join(","))}]`);
    tables.push(`  ${JSON.stringify(fn)}: opTable(${JSON.stringify("aten::" + bare)}, ${numbersAsTensors}, [${specs.join(", ")}]),`);
    const lines: string[] = [];
    for (const o of overloads) {
      for (const sig of signatures(o, numbersAsTensors, false)) {
        lines.push(docOf(o.schema), `export function ${fn}(${sig}): ${o.ret};`);
      }
    }
    lines.push(`export function ${fn}(...args: unknown[]): unknown { return invoke(OPS[${JSON.stringify(fn)}], args); }`);
    functions.push(lines.join("\n"));
    const selfOverloads = overloads.filter((o) => o.args[0]?.name === "self" && o.args[0].letter === "T");
    if (selfOverloads.length > 0 && !HAND_WRITTEN_MEMBERS.has(fn)) {
      methodNames.push(fn);
      for (const o of selfOverloads) {
        for (const sig of signatures(o, numbersAsTensors, true)) {
          methodMembers.push(`  ${docOf(o.schema)}\n  ${fn}(${sig}): ${o.ret};`);
        }
      }
    }
  }
  const header = [
    `// Generated from the operator schemas of libtorch ${torchVersion} by \`npm run codegen -w @segkit/torch\`. Do not edit.`,
    `// ${names.length} aten operator names, ${schemaCount} overloads typed; ${skipped} overloads take or return types the`,
    "// JS bridge does not convert (they and every non-aten operator stay reachable through callOp()).",
    "/* eslint-disable */",
    'import type { Tensor } from "../tensor.js";',
    'import type { DType, Scalar } from "../dtype.js";',
    'import type { Size } from "../export/recorded-size.js";',
    'import { invoke, opTable, type OpTable } from "../dispatch.js";',
    "",
    'export type Layout = "strided" | "sparse";',
    'export type MemoryFormat = "contiguous" | "channels_last" | "channels_last_3d" | "preserve";',
    "",
  ];
  const source = [
    ...header,
    "export const OPS: Record<string, OpTable> = {",
    ...tables,
    "};",
    "",
    ...functions,
    "",
    "/** Operators callable as Tensor methods (self first). */",
    `export const METHOD_NAMES: readonly string[] = ${JSON.stringify(methodNames)};`,
    "",
    "export interface TensorMethods {",
    ...methodMembers,
    "}",
    "",
  ].join("\n");
  return { source, operators: functions.length, schemas: schemaCount, skipped };
}
