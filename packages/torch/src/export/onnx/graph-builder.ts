// The ONNX graph under construction while the recorded graph is walked: what each recorded value
// became (an ONNX tensor name, or a constant known at export time), the nodes and the initializers.
import type { RecordedNode, RecordedValue } from "../../native.js";
import type { Tensor } from "../../tensor.js";
import { attributeMessage, int64Message, scalarMessage, tensorMessage, type AttributeValue, type TensorMessage } from "./proto.js";

/**
 * A recorded value: an ONNX tensor, a constant (number, list, null...), a list of ONNX tensors, or
 * an int list some of whose items the graph computes (sizes recorded by sizeOf: scalar int64 tensors).
 */
export type Lowered = { tensor: string } | { constant: unknown } | { tensors: string[] } | { sizes: (number | string)[] };

export class GraphBuilder {
  readonly nodes: Record<string, unknown>[] = [];
  readonly initializers: TensorMessage[] = [];
  readonly #values = new Map<number, Lowered>();
  readonly #shapes = new Map<number, RecordedValue>();
  #counter = 0;
  /** Ids of the recorded values some node or the graph's output reads. */
  readonly #used: ReadonlySet<number>;
  /** Operators translated with sizes of the recording written in (their graph holds at that size only). */
  readonly withRecordedSizes: string[] = [];

  constructor(used: ReadonlySet<number>) {
    this.#used = used;
  }

  /** Whether anything reads the recorded value (unused outputs need no ONNX counterpart). */
  isUsed(value: RecordedValue): boolean {
    return this.#used.has(value.id);
  }

  set(value: RecordedValue, lowered: Lowered): void {
    this.#values.set(value.id, lowered);
    this.#shapes.set(value.id, value);
  }

  /** What a recorded value became; throws for a value no translation produced. */
  get(id: number): Lowered {
    const v = this.#values.get(id);
    if (v === undefined) throw new Error(`export: value %${id} was not translated`);
    return v;
  }

  /** The recorded dtype and shape of a value. */
  described(id: number): RecordedValue {
    return this.#shapes.get(id) ?? { id, type: "?" };
  }

  /** The ONNX tensor name of a recorded tensor value; numbers become scalar initializers of `dtype`. */
  tensor(id: number, dtype = "float32"): string {
    const v = this.get(id);
    if ("tensor" in v) return v.tensor;
    if ("constant" in v && typeof v.constant === "number") return this.scalar(v.constant, dtype);
    throw new Error(`export: value %${id} is used as a tensor but is ${JSON.stringify(v)}`);
  }

  /** A constant known at export time (ints, floats, lists, null). */
  constant(id: number): unknown {
    const v = this.get(id);
    if (!("constant" in v)) throw new Error(`export: value %${id} must be known at export time (a constant), but it is computed`);
    return v.constant;
  }

  /** An int list argument's items: numbers, or the ONNX names of the sizes the graph computes. */
  sizes(id: number): (number | string)[] {
    const v = this.get(id);
    if ("sizes" in v) return v.sizes;
    if ("constant" in v && Array.isArray(v.constant)) return v.constant as number[];
    throw new Error(`export: value %${id} is used as a list of sizes but is ${JSON.stringify(v)}`);
  }

  /** Int list items as one 1-D int64 ONNX tensor (an initializer when every item is a number). */
  shapeTensor(items: (number | string)[]): string {
    if (items.every((s) => typeof s === "number")) return this.int64s(items as number[]);
    const parts = items.map((s) => (typeof s === "number" ? this.int64s([s]) : this.node("Unsqueeze", [s, this.int64s([0])])[0]));
    return this.node("Concat", parts, { axis: { int: 0 } })[0];
  }

  /** Notes that `node`'s translation writes sizes of the recording, so the file cannot have dynamic axes. */
  writesRecordedSizes(node: RecordedNode): void {
    this.withRecordedSizes.push(node.kind);
  }

  fresh(hint: string): string {
    return `${hint}_${this.#counter++}`;
  }

  initializer(name: string, t: Tensor): string {
    this.initializers.push(tensorMessage(name, t));
    return name;
  }

  int64s(values: number[]): string {
    const name = this.fresh("ints");
    this.initializers.push(int64Message(name, values));
    return name;
  }

  scalar(value: number, dtype: string): string {
    const name = this.fresh("scalar");
    this.initializers.push(scalarMessage(name, value, dtype));
    return name;
  }

  /** Adds an ONNX node; returns its output names ("" inputs stand for omitted optional inputs). */
  node(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(op));
    this.nodes.push({
      op_type: op, name: this.fresh(op + "_node"), input: inputs, output: names,
      attribute: Object.entries(attributes).map(([k, v]) => attributeMessage(k, v)),
    });
    return names;
  }

  /** Translates `node` as one ONNX op whose single output is the node's output 0. */
  single(node: RecordedNode, op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): void {
    this.set(node.outputs[0], { tensor: this.node(op, inputs, attributes)[0] });
  }
}
