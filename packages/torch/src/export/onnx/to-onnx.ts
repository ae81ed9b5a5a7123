// A recording as an ONNX model: the recorded graph walked in order, prim:: nodes resolved at export
// time, every aten:: node through the translation table, the module's tensors as initializers.
import { tidy } from "../../scope.js";
import type { RecordedValue } from "../../native.js";
import { Tensor } from "../../tensor.js";
import { writeFileAtomic } from "../../atomic.js";
import type { Recording } from "../record.js";
import { ATEN_TO_ONNX } from "./aten-to-onnx.js";
import { GraphBuilder } from "./graph-builder.js";
import { ModelProto, onnxDataType, type TensorMessage } from "./proto.js";
import { basename, dirname, join } from "node:path";

export const ONNX_OPSET = 17;

export interface OnnxOptions {
  /** Names of the graph inputs and outputs; default input0…, output0…. */
  inputNames?: string[];
  outputNames?: string[];
  /** The model's name in the file. */
  name?: string;
  /**
   * Axes left free in the file, as torch.onnx names them: input or output name → axis → a symbolic
   * name (e.g. { image: { 0: "batch" } }). Only for graphs that hold at every size (see bakedSizes).
   */
  dynamicAxes?: Record<string, Record<number, string>>;
  /**
   * saveOnnx only: the weights in a file beside the model (`<file>.data`, ONNX's external data):
   * "auto" (default) does so when they exceed what one protobuf message holds (2 GB).
   */
  externalData?: boolean | "auto";
}

/** protobuf messages end at 2 GiB; beyond this much initializer data the weights go to a separate file. */
const INLINE_LIMIT_BYTES = 1.75 * 2 ** 30;
/** In an external-data export, initializers of at least this size go to the data file (small constants stay inline). */
const EXTERNAL_MIN_BYTES = 1024;

type ModelMessage = { graph: { initializer: TensorMessage[] } } & Record<string, unknown>;

/** The prim:: nodes resolved while the graph is walked (onnxModel's switch). */
const RESOLVED_PRIM_NODES = new Set(["prim::GetAttr", "prim::Constant", "prim::ListConstruct", "prim::NumToTensor", "prim::TupleConstruct", "prim::ListUnpack"]);

/** Operators of the recording that the table does not translate, with how often each occurs. */
export function untranslatable(recording: Recording): Map<string, number> {
  const missing = new Map<string, number>();
  for (const node of tidy(() => recording.graph().nodes.map((n) => n.kind))) {
    if (!RESOLVED_PRIM_NODES.has(node) && !ATEN_TO_ONNX.has(node)) missing.set(node, (missing.get(node) ?? 0) + 1);
  }
  return missing;
}

function valueInfo(name: string, value: RecordedValue, dynamic: Record<number, string> = {}): Record<string, unknown> {
  if (!value.dtype || !value.shape) throw new Error(`export: graph input/output ${name} has no recorded dtype and shape`);
  const dim = value.shape.map((d, axis) => (dynamic[axis] === undefined ? { dim_value: d } : { dim_param: dynamic[axis] }));
  return { name, type: { tensor_type: { elem_type: onnxDataType(value.dtype, name), shape: { dim } } } };
}

/** The recording as the bytes of an ONNX model (opset 17), weights inside; over 2 GB, saveOnnx writes them beside. */
export function toOnnx(recording: Recording, options: OnnxOptions = {}): Uint8Array {
  const model = onnxModel(recording, options);
  const bytes = initializerBytes(model);
  if (bytes > INLINE_LIMIT_BYTES) {
    throw new Error(`export: the weights take ${(bytes / 2 ** 30).toFixed(2)} GiB, more than one ONNX file holds; saveOnnx writes them as external data`);
  }
  return encode(model);
}

function initializerBytes(model: ModelMessage): number {
  return model.graph.initializer.reduce((sum, t) => sum + t.raw_data.byteLength, 0);
}

function encode(model: ModelMessage): Uint8Array {
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`export: the ONNX model is malformed: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function onnxModel(recording: Recording, options: OnnxOptions): ModelMessage {
  const missing = untranslatable(recording);
  if (missing.size > 0) {
    throw new Error(`export: no ONNX translation for ${[...missing].map(([k, n]) => `${k} (×${n})`).join(", ")}`);
  }
  return tidy(() => {
    const graph = recording.graph();
    const used = new Set([...graph.nodes.flatMap((n) => n.inputs), ...graph.outputs.map((v) => v.id)]);
    const b = new GraphBuilder(used);
    const [, ...inputs] = graph.inputs; // inputs[0] is the module itself
    const inputNames = inputs.map((v, i) => options.inputNames?.[i] ?? `input${i}`);
    inputs.forEach((v, i) => b.set(v, { tensor: inputNames[i] }));
    let outputIds = graph.outputs.map((v) => v.id);
    for (const node of graph.nodes) {
      const out = node.outputs[0];
      switch (node.kind) {
        case "prim::GetAttr": {
          // The module's tensors are typed plain Tensor in the graph: their shapes come from the tensors.
          const t = recording.attributes.get(node.name!)!;
          b.set({ ...out, dtype: t.dtype, shape: t.shape }, { tensor: b.initializer(recording.stateKeys.get(node.name!)!, t) });
          break;
        }
        case "prim::Constant":
          if (node.value instanceof Tensor) {
            const t = node.value;
            b.set({ ...out, dtype: t.dtype, shape: t.shape }, { tensor: b.initializer(b.fresh("constant"), t) });
          }
          else b.set(out, { constant: node.value });
          break;
        case "prim::ListConstruct": {
          const items = node.inputs.map((id) => b.get(id));
          if (items.every((v) => "constant" in v)) b.set(out, { constant: items.map((v) => (v as { constant: unknown }).constant) });
          // Sizes recorded by sizeOf among the numbers of an int list (reshape's shape, ...).
          else if (out.type === "int[]") b.set(out, { sizes: items.map((v, i) => ("constant" in v ? v.constant as number : b.tensor(node.inputs[i]))) });
          else b.set(out, { tensors: node.inputs.map((id) => b.tensor(id)) });
          break;
        }
        case "prim::NumToTensor": // a recorded size, already a scalar int64 tensor (aten::size)
          b.set(out, b.get(node.inputs[0]));
          break;
        case "prim::ListUnpack": { // the pieces of a list of tensors (aten::chunk's)
          const list = b.get(node.inputs[0]);
          if (!("tensors" in list) || list.tensors.length !== node.outputs.length) {
            throw new Error(`export: prim::ListUnpack of ${node.outputs.length} from ${JSON.stringify(list)} has no translation`);
          }
          node.outputs.forEach((v, i) => b.set(v, { tensor: list.tensors[i] }));
          break;
        }
        case "prim::TupleConstruct":
          if (graph.outputs.some((v) => v.id === out.id)) outputIds = node.inputs;
          else throw new Error("export: a tuple inside the graph has no translation");
          break;
        default:
          ATEN_TO_ONNX.get(node.kind)!(b, node);
      }
    }
    if (options.dynamicAxes && b.withRecordedSizes.length > 0) {
      throw new Error(`export: ${b.withRecordedSizes[0]} is written with its recorded sizes, so the file cannot have dynamic axes`);
    }
    const described = outputIds.map((id) => b.described(id));
    const outputNames = described.map((_, i) => options.outputNames?.[i] ?? `output${i}`);
    // Graph outputs get their own names through Identity, so a name never doubles as an initializer's.
    outputIds.forEach((id, i) => b.nodes.push({ op_type: "Identity", name: `${outputNames[i]}_identity`, input: [b.tensor(id)], output: [outputNames[i]], attribute: [] }));
    const model = {
      ir_version: 8,
      producer_name: "segkit",
      opset_import: [{ domain: "", version: ONNX_OPSET }],
      graph: {
        name: options.name ?? "segkit",
        node: b.nodes,
        initializer: b.initializers,
        input: inputs.map((v, i) => valueInfo(inputNames[i], v, options.dynamicAxes?.[inputNames[i]])),
        output: described.map((v, i) => valueInfo(outputNames[i], v, options.dynamicAxes?.[outputNames[i]])),
      },
    };
    return model;
  });
}

/**
 * Moves the initializers of at least EXTERNAL_MIN_BYTES into one data file named `location` (beside
 * the model), as ONNX's external data: each keeps its name, dims and type, and points at its bytes.
 */
function externalize(model: ModelMessage, location: string): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  model.graph.initializer = model.graph.initializer.map((t) => {
    if (t.raw_data.byteLength < EXTERNAL_MIN_BYTES) return t;
    chunks.push(t.raw_data);
    const entry = {
      name: t.name, dims: t.dims, data_type: t.data_type, data_location: 1, // TensorProto.DataLocation.EXTERNAL
      external_data: [{ key: "location", value: location }, { key: "offset", value: String(offset) }, { key: "length", value: String(t.raw_data.byteLength) }],
    };
    offset += t.raw_data.byteLength;
    return entry as unknown as TensorMessage;
  });
  return chunks;
}

/** Writes the recording as an ONNX file (and its `<file>.data` when the weights go beside it), each atomically. */
export function saveOnnx(recording: Recording, path: string, options: OnnxOptions = {}): void {
  const model = onnxModel(recording, options);
  const external = options.externalData ?? "auto";
  if (external === true || (external === "auto" && initializerBytes(model) > INLINE_LIMIT_BYTES)) {
    const location = `${basename(path)}.data`;
    // The data first: a model file never points at a data file that is not there.
    writeFileAtomic(join(dirname(path), location), externalize(model, location));
  }
  writeFileAtomic(path, encode(model));
}
