// Records one forward pass of a module as a TorchScript graph through libtorch's tracer, which sees
// every operator call the pass makes through the dispatcher. The module's state-dict tensors become
// attributes of the recorded module; everything TypeScript decided (sizes, branches) is baked in,
// which is why a recording is checked against the module on a second input (checkRecording).
import { renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { native, type NativeRecording, type RecordedGraph } from "../native.js";
import { Tensor } from "../tensor.js";
import { tidy } from "../scope.js";
import { noGrad } from "../autograd.js";
import type { Module } from "../nn/module.js";
import { enterModule, leaveModule, setRecording } from "./recording-guard.js";
import { OptimizedForward } from "./optimized-forward.js";

/** Operators whose output size depends on the data: a fixed graph cannot stand for them. */
const DATA_DEPENDENT_OPS = new Set([
  "aten::nonzero", "aten::nonzero_numpy", "aten::unique", "aten::_unique", "aten::_unique2", "aten::unique_dim",
  "aten::unique_consecutive", "aten::unique_dim_consecutive", "aten::masked_select", "aten::_local_scalar_dense",
  "aten::item", "aten::argwhere", "torchvision::nms",
]);

/** A TorchScript attribute name for a state-dict key ("layer1.0.conv1.weight" → "layer1_0_conv1_weight"). */
function attributeName(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) ? "_" + name : name;
}

export class Recording {
  #handle: NativeRecording | null;
  /** Attribute name in the recorded module → the module's state-dict key. */
  readonly stateKeys: ReadonlyMap<string, string>;
  /** Attribute name → the module's tensor (owned by the module, not by the recording). */
  readonly attributes: ReadonlyMap<string, Tensor>;

  constructor(handle: NativeRecording, stateKeys: Map<string, string>, attributes: Map<string, Tensor>) {
    this.#handle = handle;
    this.stateKeys = stateKeys;
    this.attributes = attributes;
  }

  #live(what: string): NativeRecording {
    if (this.#handle === null) throw new Error(`Recording.${what}: the recording has been disposed`);
    return this.#handle;
  }

  /** The graph as data. Tensor constants come as Tensors owned by the caller's scope. */
  graph(): RecordedGraph {
    const graph = native.traceGraph(this.#live("graph"));
    for (const node of graph.nodes) {
      if (node.kind === "prim::Constant" && node.outputs[0].type === "Tensor") node.value = new Tensor(node.value as never);
    }
    return graph;
  }

  /** Runs the recorded graph (TorchScript's interpreter) on new inputs. */
  run(inputs: Tensor[]): Tensor[] {
    return native.traceRun(this.#live("run"), inputs.map((t) => t.live("Recording.run"))).map((h) => new Tensor(h));
  }

  /** Writes a TorchScript archive (what torch.jit.save writes) to `path`, atomically. */
  saveTorchScript(path: string): void {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    try {
      native.traceSave(this.#live("saveTorchScript"), temp);
      renameSync(temp, path);
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
  }

  /**
   * PyTorch's optimized inference of this recording (torch.jit.freeze + torch.jit.optimize_for_inference),
   * a new object owning its own copy of the weights; this recording stays usable.
   */
  optimizeForInference(): OptimizedForward {
    const inputs = tidy(() => this.graph().inputs.slice(1).map(({ shape, dtype }) => ({ shape: shape!, dtype: dtype! })));
    return new OptimizedForward(native.traceOptimize(this.#live("optimizeForInference")), inputs);
  }

  /** Frees the recorded module and graph now (the weights stay the module's). */
  dispose(): void {
    if (this.#handle !== null) native.traceFree(this.#handle);
    this.#handle = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Makes every submodule's forward announce itself to the guard, so that its errors name the module; returns the undo. */
function announceModules(module: Module): () => void {
  const wrapped: Module[] = [];
  for (const [path, m] of module.namedModules()) {
    if (path === "" || Object.hasOwn(m, "forward")) continue;
    const forward = m.forward as (...a: unknown[]) => unknown;
    Object.defineProperty(m, "forward", {
      configurable: true,
      value: (...args: unknown[]) => {
        enterModule(path);
        try {
          return forward.apply(m, args);
        } finally {
          leaveModule();
        }
      },
    });
    wrapped.push(m);
  }
  return () => wrapped.forEach((m) => delete (m as { forward?: unknown }).forward);
}

export interface RecordOptions {
  /** What to record, default `module.call(...inputs)`; the module's state becomes the recording's attributes. */
  run?: (...inputs: Tensor[]) => unknown;
}

export function callOf(module: Module): (...inputs: Tensor[]) => unknown {
  return (...inputs) => (module.call as (...a: unknown[]) => unknown)(...inputs);
}

/**
 * Records one forward pass, `run(...inputs)` (default `module.call`), with gradients off; it must
 * return a Tensor or an array of Tensors. Throws, naming the operator, when the pass reads a tensor value into JS or calls an
 * operator whose output size depends on the data.
 */
export function recordForward(module: Module, inputs: Tensor[], { run = callOf(module) }: RecordOptions = {}): Recording {
  const stateKeys = new Map<string, string>();
  const attributes: [string, Tensor][] = [];
  for (const [key, t] of module.stateDict()) {
    const name = attributeName(key);
    if (stateKeys.has(name)) throw new Error(`export: state-dict keys "${stateKeys.get(name)}" and "${key}" map to one attribute name "${name}"`);
    stateKeys.set(name, key);
    attributes.push([name, t]);
  }
  const handle = noGrad(() => tidy(() => {
    native.traceBegin(attributes.map(([n, t]) => [n, t.live("recordForward")]), inputs.map((t) => t.live("recordForward")));
    setRecording(true);
    const restore = announceModules(module);
    let outputs: Tensor[];
    try {
      const result = run(...inputs);
      outputs = Array.isArray(result) ? result as Tensor[] : [result as Tensor];
      if (!outputs.every((t) => t instanceof Tensor)) throw new Error("export: the forward pass must return a Tensor or an array of Tensors");
    } catch (e) {
      native.traceAbandon();
      throw e;
    } finally {
      restore();
      setRecording(false);
    }
    return native.traceEnd(outputs.map((t) => t.live("recordForward")));
  }));
  const recording = new Recording(handle, stateKeys, new Map(attributes));
  const kinds = tidy(() => recording.graph().nodes.map((n) => n.kind));
  const dataDependent = kinds.find((k) => DATA_DEPENDENT_OPS.has(k));
  if (dataDependent) {
    recording.dispose();
    throw new Error(`export: the forward pass calls ${dataDependent}, whose output size depends on the data; a recorded graph cannot express it`);
  }
  // libtorch rewrote the in-place ops it could prove safe; one left is a write into a view.
  const inPlace = kinds.find((k) => k.endsWith("_"));
  if (inPlace) {
    recording.dispose();
    throw new Error(`export: the forward pass writes in place through a view (${inPlace}); write it out of place to export`);
  }
  return recording;
}
