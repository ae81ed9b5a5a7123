// Module: the base of every layer and model. Parameters, buffers and children are registered by name,
// and their dotted paths ("layer1.0.conv1.weight") are the same keys PyTorch uses, so state dicts move
// between the two through safetensors.
import { Tensor } from "../tensor.js";
import { noGrad } from "../autograd.js";
import { tidy } from "../scope.js";
import { isFloatingDtype, type DType } from "../dtype.js";
import { saveSafetensors } from "../safetensors.js";
import { disposeStates, loadWeights, type StateMap } from "../weights-file.js";
import { contiguous, detach, to } from "../generated/ops.js";
import type { MemoryFormat } from "../generated/ops.js";

/** Runs after forward; returning a value other than undefined replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;

export interface HookHandle {
  remove(): void;
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
  /** Keys whose shapes differ (only with strict: false; strict loads refuse them). */
  mismatchedKeys: string[];
}

export interface LoadOptions {
  /** Default true: missing, unexpected and mismatched keys are an error; false loads the rest and reports them. */
  strict?: boolean;
}

type Slot = "parameter" | "buffer";

export abstract class Module {
  /** Train mode (dropout active, batch statistics); set with train()/eval(). */
  training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #children = new Map<string, Module>();
  readonly #forwardHooks = new Set<ForwardHook>();

  abstract forward(...args: never[]): unknown;

  /**
   * forward() plus the forward hooks. Calling forward() directly is fine when no hooks are needed;
   * containers call their children through call() so that hooks anywhere in a model fire.
   */
  call<M extends Module>(this: M, ...args: Parameters<M["forward"]>): ReturnType<M["forward"]> {
    // A scope per module call frees its intermediates as soon as it returns (autograd keeps what
    // backward needs), as reference counting does in PyTorch: without it a whole forward's
    // activations live until the caller's scope ends (deeplabv3_resnet50 at 512²: 2.5 GB vs 0.9 GB).
    let output = tidy(() => (this.forward as (...a: unknown[]) => unknown)(...args));
    for (const hook of this.#forwardHooks) {
      const replaced = hook(this, args, output);
      if (replaced !== undefined) output = replaced;
    }
    return output as ReturnType<M["forward"]>;
  }

  registerForwardHook(hook: ForwardHook): HookHandle {
    this.#forwardHooks.add(hook);
    return { remove: () => void this.#forwardHooks.delete(hook) };
  }

  /**
   * Registers `t` (or null, for an absent optional parameter such as a disabled bias) as parameter
   * `name`, readable as `this[name]`. The tensor becomes a requiresGrad leaf that outlives tidy scopes.
   */
  protected registerParameter(name: string, t: Tensor | null): void {
    this.#claim(name, "parameter");
    this.#parameters.set(name, t === null ? null : asParameter(t));
  }

  /** Registers a buffer (running statistics, ...): in the state dict unless `persistent` is false. */
  protected registerBuffer(name: string, t: Tensor | null, { persistent = true } = {}): void {
    this.#claim(name, "buffer");
    this.#buffers.set(name, t === null ? null : t.keep());
    if (!persistent) this.#nonPersistent.add(name);
  }

  /** Registers a child module under `name` (its keys get the prefix `name.`) and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    if (name === "" || name.includes(".")) throw new Error(`${this.constructor.name}: bad child module name "${name}"`);
    this.#children.set(name, module);
    return module;
  }

  /** Replaces registered parameter `name`, null included (PyTorch's `module.bias = nn.Parameter(t)`); the old tensor is freed. */
  setParameter(name: string, t: Tensor | null): void {
    if (!this.#parameters.has(name)) throw new Error(`${this.constructor.name}: no parameter "${name}" to replace`);
    const old = this.#parameters.get(name);
    this.#parameters.set(name, t === null ? null : asParameter(t));
    if (old && old !== t) old.dispose();
  }

  #claim(name: string, slot: Slot): void {
    if (name === "" || name.includes(".")) throw new Error(`${this.constructor.name}: bad ${slot} name "${name}"`);
    if (this.#parameters.has(name) || this.#buffers.has(name)) {
      throw new Error(`${this.constructor.name}: "${name}" is already registered`);
    }
    const table = slot === "parameter" ? this.#parameters : this.#buffers;
    Object.defineProperty(this, name, { get: () => table.get(name) ?? null, enumerable: true, configurable: true });
  }

  /** Direct children in registration order. */
  namedChildren(): Map<string, Module> {
    return new Map(this.#children);
  }

  children(): Module[] {
    return [...this.#children.values()];
  }

  /** This module ("") and every descendant, by dotted path. */
  namedModules(prefix = ""): Map<string, Module> {
    const out = new Map<string, Module>([[prefix, this]]);
    for (const [name, child] of this.#children) {
      for (const [path, m] of child.namedModules(join(prefix, name))) out.set(path, m);
    }
    return out;
  }

  modules(): Module[] {
    return [...this.namedModules().values()];
  }

  namedParameters(): Map<string, Tensor> {
    return this.#collect("parameter", false);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters().values()];
  }

  namedBuffers(): Map<string, Tensor> {
    return this.#collect("buffer", false);
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers().values()];
  }

  // PyTorch's order: a module's own parameters (or buffers), then each child's, depth first.
  // A tensor shared by two modules is listed once, under its first path.
  #collect(slot: Slot, persistentOnly: boolean): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules()) {
      const table = slot === "parameter" ? m.#parameters : m.#buffers;
      for (const [name, t] of table) {
        if (t === null || seen.has(t) || (persistentOnly && m.#nonPersistent.has(name))) continue;
        seen.add(t);
        out.set(join(path, name), t);
      }
    }
    return out;
  }

  /** Parameters and persistent buffers by PyTorch key (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, t] of m.#parameters) if (t !== null) out.set(join(path, name), t);
      for (const [name, t] of m.#buffers) if (t !== null && !m.#nonPersistent.has(name)) out.set(join(path, name), t);
    }
    return out;
  }

  /**
   * Copies values from `stateDict` into this module's tensors in place (parameters keep their
   * identity, so optimizers holding them stay valid). Missing and unexpected keys and shape
   * mismatches are reported by name; when `strict` (the default) any of them is an error and nothing
   * is copied, otherwise the matching tensors are copied and the rest reported.
   */
  loadStateDict(stateDict: Map<string, Tensor> | Record<string, Tensor>, { strict = true }: LoadOptions = {}): LoadResult {
    const source = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = this.stateDict();
    const optional = new Set([...this.namedModules()].flatMap(([path, m]) => m.optionalStateKeys().map((k) => join(path, k))));
    const missingKeys = [...own.keys()].filter((k) => !source.has(k) && !optional.has(k));
    const unexpectedKeys = [...source.keys()].filter((k) => !own.has(k));
    const mismatchedKeys = [...own].filter(([k, t]) => source.has(k) && source.get(k)!.shape.join() !== t.shape.join()).map(([k]) => k);
    if (strict) {
      const problems = [
        ...(mismatchedKeys.length > 0 ? [shapeMismatch(mismatchedKeys, source, own)] : []),
        ...(missingKeys.length > 0 ? [`missing keys: ${missingKeys.join(", ")}`] : []),
        ...(unexpectedKeys.length > 0 ? [`unexpected keys: ${unexpectedKeys.join(", ")}`] : []),
      ];
      if (problems.length > 0) throw new Error(`${this.constructor.name}.loadStateDict: ${problems.join("; ")}`);
    }
    const skip = new Set(mismatchedKeys);
    noGrad(() => {
      for (const [key, t] of own) {
        const s = source.get(key);
        if (s && !skip.has(key)) t.copy_(s);
      }
    });
    return { missingKeys, unexpectedKeys, mismatchedKeys };
  }

  /**
   * Own state keys a checkpoint may lack without being reported missing (they keep their value):
   * like PyTorch, BatchNorm accepts checkpoints from before num_batches_tracked existed.
   */
  protected optionalStateKeys(): string[] {
    return [];
  }

  /** Writes the state dict to a safetensors file (atomically). */
  save(path: string): void {
    saveSafetensors(path, this.stateDict());
  }

  /**
   * Loads weights from a safetensors or .pth/.pt file (told apart by content; a .pth's state dict may
   * be nested under "state_dict" or "model"), converted by the key map `keyMap` first when given.
   * Errors name the file.
   */
  load(path: string, { keyMap, ...options }: LoadOptions & { keyMap?: StateMap } = {}): LoadResult {
    const { tensors } = loadWeights(path);
    let state = tensors;
    try {
      if (keyMap) state = keyMap(tensors, path);
      return this.loadStateDict(state, options);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
    } finally {
      disposeStates(tensors, state);
    }
  }

  /** Sets train mode here and, through each child's train(), below: a module overriding train() (a frozen stage kept in eval) is obeyed, as in PyTorch. */
  train(on = true): this {
    this.training = on;
    for (const child of this.#children.values()) child.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Casts floating parameters and buffers to `dtype` (integer buffers such as counters stay). */
  to(dtype: DType): this {
    return this.#replaceTensors((t) => (isFloatingDtype(t.dtype) && t.dtype !== dtype ? to(t, dtype) : null));
  }

  /** Moves parameters and buffers to `device` (a name resolveDevice gave, such as "cpu" or "cuda:0"). */
  toDevice(device: string): this {
    return this.#replaceTensors((t) => (t.device === device ? null : to(t, { device })));
  }

  /** Lays out 4-D parameters and buffers as `format` ("channels_last" or "contiguous"). */
  toMemoryFormat(format: MemoryFormat): this {
    const rank = format === "channels_last_3d" ? 5 : 4;
    return this.#replaceTensors((t) => (t.ndim === rank ? contiguous(t, { memoryFormat: format }) : null));
  }

  // Swaps each tensor for convert(t) when that is not null; parameters stay requiresGrad leaves.
  #replaceTensors(convert: (t: Tensor) => Tensor | null): this {
    noGrad(() => {
      for (const m of this.modules()) {
        for (const [table, isParameter] of [[m.#parameters, true], [m.#buffers, false]] as const) {
          for (const [name, t] of table) {
            const next = t === null ? null : convert(t);
            if (t === null || next === null) continue;
            table.set(name, isParameter ? asParameter(next, t.requiresGrad) : next.keep());
            t.dispose();
          }
        }
      }
    });
    return this;
  }

  /** Number of parameter elements (only those with requiresGrad when `trainableOnly`). */
  numParameters({ trainableOnly = false } = {}): number {
    return this.parameters().filter((p) => !trainableOnly || p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  }

  /** Calls fn on every descendant, then on this module (like PyTorch, children first). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.#children.values()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Turns gradient recording of every parameter on or off (freezing a backbone, say). */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  /** Clears every parameter's .grad. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Frees every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const t of [...m.#parameters.values(), ...m.#buffers.values()]) t?.dispose();
      m.#parameters.clear();
      m.#buffers.clear();
    }
  }

  /** The layer's arguments as shown in messages, e.g. "3, 16, kernel_size=3". */
  protected extraRepr(): string {
    return "";
  }

  /** "Conv2d(3, 16, kernel_size=3)": how errors name this layer. */
  describe(): string {
    return `${this.constructor.name}(${this.extraRepr()})`;
  }

  toString(): string {
    const lines = [...this.#children].map(([name, m]) => `  (${name}): ${m.toString().replace(/\n/g, "\n  ")}`);
    return lines.length === 0 ? this.describe() : `${this.constructor.name}(\n${lines.join("\n")}\n)`;
  }
}

/** The first mismatch with both shapes, then how many more (a checkpoint of another variant has many). */
function shapeMismatch(keys: string[], source: Map<string, Tensor>, own: Map<string, Tensor>): string {
  const [first, ...rest] = keys;
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.slice(0, 5).join(", ")}${rest.length > 5 ? ", ..." : ""})` : "";
  return `shape mismatch for ${first}: checkpoint [${source.get(first)!.shape}], module [${own.get(first)!.shape}]${more}`;
}

function join(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

// A leaf exempt from tidy scopes (results of ops are detached first to become leaves).
function asParameter(t: Tensor, requiresGrad = true): Tensor {
  const leaf = t.isLeaf ? t : detach(t);
  leaf.keep();
  leaf.requiresGrad = requiresGrad;
  return leaf;
}
