// Tensor: a JS handle on one libtorch tensor. Operators come as methods (generated, see methods.ts)
// and as free functions (generated/ops.ts); this file holds what is not an operator.
import { native, type NativeHandle } from "./native.js";
import { typedArrayFor, type DType, type TypedArray } from "./dtype.js";
import { keep, scopeDepth, track } from "./scope.js";
import { formatTensor } from "./format.js";
import { refuseWhileRecording } from "./export/recording-guard.js";

// The GC backstop: frees the native box of a Tensor that became unreachable without dispose().
// Tensors owned by a tidy() scope are not registered (the scope frees them): V8 keeps registry
// cells until its lazy cleanup passes, and in long synchronous loops they made resident memory grow.
const backstop = new FinalizationRegistry<NativeHandle>((handle) => native.freeBox(handle));

// Tensors made outside every scope wait here before the backstop takes them: most are disposed within
// a few operations (`const y = x.add(1); x.dispose()`), and registering and unregistering each cost
// more than the operation's own call into libtorch. Those still alive are registered when
// NURSERY_SIZE have gathered or when the current task's microtasks run, whichever comes first.
const NURSERY_SIZE = 64;
const nursery: Tensor[] = [];
let nurseryFlushQueued = false;

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

export class Tensor {
  /** The native tensor box; null once disposed. */
  handle: NativeHandle | null;
  #gradView: Tensor | null = null;
  /** In the nursery or registered with the backstop. */
  #guardedByGc = false;
  #registered = false;

  /** Wraps a native handle. Users make tensors with factory functions (tensor, zeros, randn, ...). */
  constructor(handle: NativeHandle, tracked = true) {
    this.handle = handle;
    if (tracked && track(this)) return;
    // Made outside every tidy() scope, it was reported to V8 by the addon already.
    this.#leaveToGc(scopeDepth() > 0);
  }

  /** Puts this tensor under the GC backstop (once it belongs to no tidy() scope). */
  guardByGc(): void {
    this.#leaveToGc(true);
  }

  #leaveToGc(account: boolean): void {
    if (this.#guardedByGc || this.handle === null) return;
    // V8 must weigh the native memory of what it is to collect.
    if (account) native.accountForGc(this.handle);
    this.#guardedByGc = true;
    nursery.push(this);
    if (nursery.length >= NURSERY_SIZE) {
      Tensor.#flushNursery();
    } else if (!nurseryFlushQueued) {
      nurseryFlushQueued = true;
      queueMicrotask(() => Tensor.#flushNursery());
    }
  }

  static #flushNursery(): void {
    nurseryFlushQueued = false;
    for (const t of nursery) {
      if (t.handle === null) continue;
      backstop.register(t, t.handle, t);
      t.#registered = true;
    }
    nursery.length = 0;
  }

  /** The native handle, or an error naming `what` if the tensor was disposed. */
  live(what = "tensor"): NativeHandle {
    if (this.handle === null) throw new Error(`Tensor.${what}: the tensor has been disposed`);
    return this.handle;
  }

  get shape(): number[] { return native.shape(this.live("shape")); }
  get dtype(): DType { return native.dtype(this.live("dtype")) as DType; }
  get device(): string { return native.device(this.live("device")); }
  get ndim(): number { return native.ndim(this.live("ndim")); }
  /** Number of elements (aten::numel is not a dispatcher operator). */
  numel(): number { return native.numel(this.live("numel")); }
  get isDisposed(): boolean { return this.handle === null; }
  get isLeaf(): boolean { return native.isLeaf(this.live("isLeaf")); }
  /** Name of the autograd node that made this tensor, or null for leaves. */
  get gradFn(): string | null { return native.gradFn(this.live("gradFn")); }
  get requiresGrad(): boolean { return native.requiresGrad(this.live("requiresGrad")); }
  set requiresGrad(on: boolean) { native.setRequiresGrad(this.live("requiresGrad"), on); }

  /**
   * The accumulated gradient. The returned Tensor is owned by this tensor (the same object while the
   * gradient stays the same tensor); don't dispose it, dispose this tensor.
   */
  get grad(): Tensor | null {
    const g = native.grad(this.live("grad"));
    if (g === null) {
      this.#dropGradView();
      return null;
    }
    if (this.#gradView !== null && this.#gradView.handle !== null && native.sameTensor(this.#gradView.handle, g)) {
      native.freeBox(g);
      return this.#gradView;
    }
    this.#dropGradView();
    this.#gradView = new Tensor(g, false);
    return this.#gradView;
  }

  set grad(g: Tensor | null) {
    native.setGrad(this.live("grad"), g === null ? null : g.live("grad"));
    this.#dropGradView();
  }

  #dropGradView(): void {
    this.#gradView?.dispose();
    this.#gradView = null;
  }

  /** Accumulates d(this)/d(leaf) into every leaf's .grad; `grad` defaults to 1 for scalars. */
  backward(grad?: Tensor, options: BackwardOptions = {}): void {
    native.backward([this.live("backward")], [grad ? grad.live("backward") : null],
      options.retainGraph ?? false, options.createGraph ?? false);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    refuseWhileRecording("Tensor.item()");
    const v = native.item(this.live("item"));
    return typeof v === "boolean" ? Number(v) : v;
  }

  /** A copy of the elements (row-major) in the TypedArray of the dtype (see typedArrayFor). */
  toTypedArray(): TypedArray {
    refuseWhileRecording("Tensor.toTypedArray()/toArray()");
    return typedArrayFor(this.dtype, native.toBuffer(this.live("toTypedArray")));
  }

  /** A copy of the elements (row-major) as JS numbers; int64 values beyond 2^53 lose precision. */
  toArray(): number[] {
    const data = this.toTypedArray();
    return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data);
  }

  /** Frees the native tensor now (the memory goes once no other tensor or graph refers to it). */
  dispose(): void {
    if (this.handle === null) return;
    if (this.#registered) backstop.unregister(this);
    native.freeBox(this.handle);
    this.handle = null;
    this.#dropGradView();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Exempts this tensor from the enclosing tidy() scopes. */
  keep(): this {
    return keep(this);
  }

  toString(): string {
    if (this.handle === null) return "tensor(<disposed>)";
    return formatTensor(this.shape, this.dtype, this.toArray(), this.requiresGrad);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
