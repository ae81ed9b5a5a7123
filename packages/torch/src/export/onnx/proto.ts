// ONNX protobuf messages through protobufjs and the schema generated from the official onnx.proto.
import protobuf from "protobufjs";
import { ONNX_SCHEMA } from "../../generated/onnx-schema.js";
import type { Tensor } from "../../tensor.js";
import type { DType } from "../../dtype.js";

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
export const ModelProto = root.lookupType("onnx.ModelProto");

/** TensorProto.DataType of each dtype ONNX shares with libtorch. */
const ONNX_DATA_TYPES: Partial<Record<DType, number>> = {
  float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16,
};

export function onnxDataType(dtype: string, where: string): number {
  const type = ONNX_DATA_TYPES[dtype as DType];
  if (type === undefined) throw new Error(`export: ${where} has dtype ${dtype}, which ONNX does not have`);
  return type;
}

export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** An initializer with the tensor's elements (raw_data is little-endian, as the host is). */
export function tensorMessage(name: string, t: Tensor): TensorMessage {
  const data = t.contiguous().toTypedArray();
  return { name, dims: t.shape, data_type: onnxDataType(t.dtype, `tensor ${name}`), raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function int64Message(name: string, values: number[]): TensorMessage {
  const data = BigInt64Array.from(values.map(BigInt));
  return { name, dims: [values.length], data_type: 7, raw_data: new Uint8Array(data.buffer) };
}

/** A one-element tensor: a scalar (dims []) or of `dims` such as [1]. */
export function scalarMessage(name: string, value: number, dtype: string, dims: number[] = []): TensorMessage {
  const type = onnxDataType(dtype, `constant ${name}`);
  const data = type === 7 ? BigInt64Array.of(BigInt(value)) : type === 11 ? Float64Array.of(value) : Float32Array.of(value);
  if (type !== 1 && type !== 7 && type !== 11) throw new Error(`export: a number constant of dtype ${dtype} is not supported`);
  return { name, dims, data_type: type, raw_data: new Uint8Array(data.buffer) };
}

/** A node attribute, typed as AttributeProto types it. */
export type AttributeValue = { int: number } | { float: number } | { ints: number[] } | { string: string } | { tensor: TensorMessage };

export function attributeMessage(name: string, value: AttributeValue): Record<string, unknown> {
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, INTS 7.
  if ("int" in value) return { name, type: 2, i: value.int };
  if ("float" in value) return { name, type: 1, f: value.float };
  if ("ints" in value) return { name, type: 7, ints: value.ints };
  if ("tensor" in value) return { name, type: 4, t: value.tensor };
  return { name, type: 3, s: new TextEncoder().encode(value.string) };
}
