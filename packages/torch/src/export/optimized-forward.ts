// PyTorch's optimized inference of a recorded forward pass: torch.jit.freeze (the weights become
// constants, BatchNorm and constant add/mul fold into the convolutions) and then
// torch.jit.optimize_for_inference (conv + add/relu fused, oneDNN layout with prepacked weights),
// run whole by TorchScript's interpreter: one crossing from JS per forward instead of one per operator.
import { native, type NativeRecording } from "../native.js";
import { Tensor } from "../tensor.js";

/** The shape and dtype of an input, as the recording saw it. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype: string;
}

export class OptimizedForward {
  #handle: NativeRecording | null;
  /** The inputs it takes: the recording baked their sizes in, so other shapes are refused. */
  readonly inputs: readonly InputSpec[];

  /** Made by Recording.optimizeForInference(). */
  constructor(handle: NativeRecording, inputs: InputSpec[]) {
    this.#handle = handle;
    this.inputs = inputs;
  }

  #live(what: string): NativeRecording {
    if (this.#handle === null) throw new Error(`OptimizedForward.${what}: it has been disposed`);
    return this.#handle;
  }

  /** The optimized graph as TorchScript prints it. */
  get graphText(): string {
    return native.traceText(this.#live("graphText"));
  }

  /** Runs the optimized graph; every input must have the recorded shape and dtype. The caller owns the outputs. */
  run(inputs: Tensor[]): Tensor[] {
    const handle = this.#live("run");
    if (inputs.length !== this.inputs.length) throw new Error(`OptimizedForward.run: takes ${this.inputs.length} inputs, got ${inputs.length}`);
    inputs.forEach((t, i) => {
      const { shape, dtype } = this.inputs[i];
      if (t.dtype !== dtype || t.shape.join() !== shape.join()) {
        throw new Error(`OptimizedForward.run: input ${i} must be ${dtype} [${shape.join(", ")}] (the recorded shape; record again for another), got ${t.dtype} [${t.shape.join(", ")}]`);
      }
    });
    return native.traceRun(handle, inputs.map((t) => t.live("OptimizedForward.run"))).map((h) => new Tensor(h));
  }

  /** Frees the optimized module and its weights now. */
  dispose(): void {
    if (this.#handle !== null) native.traceFree(this.#handle);
    this.#handle = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
