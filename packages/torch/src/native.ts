// The compiled libtorch addon and the shape of what it exports. Everything else in this package
// reaches libtorch through these functions.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RendezvousOptions } from "./distributed/rendezvous.js";

/** The large-buffer cache of the addon's CPU allocator (cpu_cache.cc). */
export interface CpuCacheStats {
  /** Bytes of freed buffers kept for reuse. */
  cachedBytes: number;
  limitBytes: number;
  /** Large allocations served from the cache, and those that went to the system. */
  hits: number;
  misses: number;
}

/** An opaque reference to a native tensor box: a bigint naming its slot and generation (tensor_box.cc). */
export type NativeHandle = bigint & { readonly __nativeTensorBox: unique symbol };

/** A schema argument as the addon describes it, for code generation. */
export interface SchemaArgument {
  name: string;
  type: string;
  kind: number;
  optional: boolean;
  fixedLength: number;
  kwargOnly: boolean;
  isOut: boolean;
  mutable: boolean;
  default?: string;
}

export interface OperatorSchema {
  name: string;
  overload: string;
  schema: string;
  args: SchemaArgument[];
  returns: string[];
}

export interface NativeAddon {
  opId(name: string, overload: string): number;
  call(id: number, ...args: unknown[]): unknown;
  schemas(): OperatorSchema[];
  kindNames(): string[];

  freeBox(h: NativeHandle): void;
  shape(h: NativeHandle): number[];
  strides(h: NativeHandle): number[];
  dtype(h: NativeHandle): string;
  device(h: NativeHandle): string;
  numel(h: NativeHandle): number;
  ndim(h: NativeHandle): number;
  isContiguous(h: NativeHandle, format?: "contiguous" | "channels_last"): boolean;
  requiresGrad(h: NativeHandle): boolean;
  setRequiresGrad(h: NativeHandle, on: boolean): void;
  grad(h: NativeHandle): NativeHandle | null;
  setGrad(h: NativeHandle, g: NativeHandle | null): void;
  sameTensor(a: NativeHandle, b: NativeHandle): boolean;
  isLeaf(h: NativeHandle): boolean;
  gradFn(h: NativeHandle): string | null;
  item(h: NativeHandle): number | boolean;
  toBuffer(h: NativeHandle): ArrayBuffer;
  fromBuffer(data: ArrayBuffer | ArrayBufferView, dtype: string, shape: readonly number[]): NativeHandle;
  liveTensors(): number;
  externalMemory(): number;
  cpuCacheStats(): CpuCacheStats;
  setCpuCacheLimit(bytes: number): void;
  emptyCpuCache(): void;
  accountForGc(h: NativeHandle): void;
  setScopeOpen(open: boolean): void;

  backward(outputs: NativeHandle[], grads: (NativeHandle | null)[], retainGraph: boolean, createGraph: boolean): void;
  autogradGrad(outputs: NativeHandle[], inputs: NativeHandle[], grads: (NativeHandle | null)[], retainGraph: boolean | undefined,
    createGraph: boolean, allowUnused: boolean): (NativeHandle | null)[];
  isGradEnabled(): boolean;
  setGradEnabled(on: boolean): void;
  enterInferenceMode(): void;
  exitInferenceMode(): void;
  isInferenceMode(): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  getRngState(): NativeHandle;
  setRngState(state: NativeHandle): void;
  torchVersion: string;

  traceBegin(attributes: [string, NativeHandle][], inputs: NativeHandle[]): void;
  traceEnd(outputs: NativeHandle[]): NativeRecording;
  traceAbandon(): void;
  isTracing(): boolean;
  traceSizeOf(tensor: NativeHandle, dim: number): NativeHandle;
  traceGraph(recording: NativeRecording): RecordedGraph;
  traceRun(recording: NativeRecording, inputs: NativeHandle[]): NativeHandle[];
  traceSave(recording: NativeRecording, path: string): void;
  traceOptimize(recording: NativeRecording): NativeRecording;
  traceText(recording: NativeRecording): string;
  traceFree(recording: NativeRecording): void;

  distInit(config: RendezvousOptions): Promise<NativeGroup>;
  distAllReduce(group: NativeGroup, tensor: NativeHandle, op: string): Promise<void>;
  distBroadcast(group: NativeGroup, tensor: NativeHandle, root: number): Promise<void>;
  distAllGather(group: NativeGroup, tensor: NativeHandle): Promise<NativeHandle>;
  distBarrier(group: NativeGroup): Promise<void>;
  distDestroy(group: NativeGroup): Promise<void>;
  ddpCreate(group: NativeGroup, params: NativeHandle[], names: string[], buffers: NativeHandle[], bucketCapBytes: number, findUnusedParameters: boolean): Promise<NativeDataParallel>;
  ddpBackward(handle: NativeDataParallel, loss: NativeHandle, sync: boolean): Promise<void>;
  ddpDestroy(handle: NativeDataParallel): void;
  syncBatchNorm(group: NativeGroup, input: NativeHandle, weight: NativeHandle | null, bias: NativeHandle | null,
    runningMean: NativeHandle | null, runningVar: NativeHandle | null, momentum: number, eps: number): NativeHandle;
}

/** An opaque reference to a c10d process group (TCPStore + ProcessGroupGloo). */
export type NativeGroup = { readonly __nativeGroup: unique symbol };

/** An opaque reference to libtorch's DDP Reducer over a model's parameters. */
export type NativeDataParallel = { readonly __nativeDataParallel: unique symbol };

/** An opaque reference to a recorded forward pass (a TorchScript module and its graph). */
export type NativeRecording = { readonly __nativeRecording: unique symbol };

/** A value of a recorded graph; tensor values carry dtype and shape as they were when recorded. */
export interface RecordedValue {
  id: number;
  type: string;
  dtype?: string;
  shape?: number[];
}

/** A node of a recorded graph: `value` for prim::Constant, `name` for prim::GetAttr. */
export interface RecordedNode {
  kind: string;
  inputs: number[];
  outputs: RecordedValue[];
  value?: unknown;
  name?: string;
}

/** A recorded graph as data; `inputs[0]` is the module (`self`), `text` is TorchScript's own print. */
export interface RecordedGraph {
  inputs: RecordedValue[];
  outputs: RecordedValue[];
  nodes: RecordedNode[];
  text: string;
}

// libtorch logs through glog, which prints INFO lines (DDP's "Reducer initialized ..." on every rank)
// unless its level is set before it loads. PyTorch sets WARNING at import unless TORCH_CPP_LOG_LEVEL
// says otherwise (c10::initLogging); the same here, through glog's GLOG_minloglevel, read as the
// addon loads glog (a level given in GLOG_minloglevel itself is kept).
const GLOG_LEVELS: Record<string, string> = { INFO: "0", WARNING: "1", ERROR: "2", FATAL: "3" };
process.env.GLOG_minloglevel ??= GLOG_LEVELS[(process.env.TORCH_CPP_LOG_LEVEL ?? "").toUpperCase()] ?? GLOG_LEVELS.WARNING;

function load(): NativeAddon {
  const path = fileURLToPath(new URL("../../native/build/Release/segkit_torch.node", import.meta.url));
  if (!existsSync(path)) {
    throw new Error(`@segkit/torch: the native addon is not built (${path}); run \`npm run setup\` at the repository root`);
  }
  return createRequire(import.meta.url)(path) as NativeAddon;
}

export const native: NativeAddon = load();
