// The optimizer base: parameter groups with their own hyperparameters, per-parameter state, the
// step loop (in-place tensor ops, no autograd, temporaries freed), zeroGrad and state dicts.
import { Tensor } from "../tensor.js";
import { tidy } from "../scope.js";
import { noGrad } from "../autograd.js";
import { isFloatingDtype } from "../dtype.js";
import { rejectUnknownKeys, withDefaults, type HyperValue } from "./hyper.js";

export type Hyper = Record<string, HyperValue>;
/** A parameter group as given: its tensors and any hyperparameters that differ from the defaults. */
export type ParamGroupSpec<H extends Hyper> = { params: Tensor[] } & Partial<H>;
/** A parameter group in use: its tensors and all its hyperparameters. */
export type ParamGroup<H extends Hyper> = { params: Tensor[] } & H;
/** Per-parameter state: tensors (momentum buffers, moments) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/**
 * PyTorch's layout: state keyed by the parameter's index counted across the groups in order, and the
 * groups' hyperparameters with `params` as those indices.
 */
export interface OptimizerStateDict {
  state: Map<number, ParamState>;
  paramGroups: (Hyper & { params: number[] })[];
}

export abstract class Optimizer<H extends Hyper> {
  readonly defaults: H;
  readonly paramGroups: ParamGroup<H>[] = [];
  readonly state = new Map<Tensor, ParamState>();

  protected constructor(readonly name: string, params: Tensor[] | ParamGroupSpec<H>[], defaults: H, options: Partial<H>) {
    rejectUnknownKeys(options, Object.keys(defaults), name);
    this.defaults = withDefaults(defaults, options, name);
    this.check(this.defaults, name);
    if (!Array.isArray(params) || params.length === 0) throw new TypeError(`${name}: params must be a non-empty array of tensors or parameter groups`);
    const groups = params.every((p) => p instanceof Tensor) ? [{ params }] : params;
    for (const g of groups) this.addParamGroup(g as ParamGroupSpec<H>);
  }

  /** Checks one group's hyperparameters (`where` names the group in errors). */
  protected abstract check(h: H, where: string): void;

  /**
   * Updates one parameter in place from its gradient. Runs under noGrad inside a tidy scope: new state
   * tensors must be kept (`t.keep()`); dispose() frees them.
   */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /** Adds a group; its tensors must be leaf floating-point tensors that no other group holds. */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    const where = `${this.name} param group ${this.paramGroups.length}`;
    if (typeof spec !== "object" || spec === null || !Array.isArray(spec.params)) {
      throw new TypeError(`${where}: expected { params: Tensor[], ...options }`);
    }
    const { params, ...options } = spec;
    rejectUnknownKeys(options, ["params", ...Object.keys(this.defaults)], where);
    const held = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is not a Tensor`);
      if (p.isDisposed) throw new TypeError(`${where}: params[${i}] has been disposed`);
      if (!p.isLeaf) throw new TypeError(`${where}: params[${i}] is not a leaf tensor (it was computed by ${p.gradFn}); optimize the leaf it came from`);
      if (!isFloatingDtype(p.dtype)) throw new TypeError(`${where}: params[${i}] has dtype ${p.dtype}; only floating-point tensors can be optimized`);
      if (held.has(p)) throw new TypeError(`${where}: params[${i}] appears in more than one parameter group (or twice in this one)`);
      held.add(p);
    });
    const hyper = withDefaults(this.defaults, options as unknown as Partial<H>, where);
    this.check(hyper, where);
    this.paramGroups.push({ ...hyper, params: [...params] });
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          let state = this.state.get(p);
          if (state === undefined) this.state.set(p, (state = {}));
          // A scope per parameter: temporaries of one update are freed before the next (flat peak memory).
          tidy(() => this.update(p, grad, state, group));
        }
      }
    });
  }

  /** Clears the gradients: zeroes them in place (PyTorch 1.13's default) or, with setToNone, drops them. */
  zeroGrad({ setToNone = false }: { setToNone?: boolean } = {}): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          if (setToNone) p.grad = null;
          else grad.zero_();
        }
      }
    });
  }

  /**
   * The state and hyperparameters. The tensors are the optimizer's own (not copies): save them before
   * the next step and don't dispose them.
   */
  stateDict(): OptimizerStateDict {
    const state = new Map<number, ParamState>();
    const paramGroups: OptimizerStateDict["paramGroups"] = [];
    let index = 0;
    for (const { params, ...hyper } of this.paramGroups) {
      const indices: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s !== undefined) state.set(index, { ...s });
        indices.push(index++);
      }
      paramGroups.push({ ...(hyper as unknown as Hyper), params: indices });
    }
    return { state, paramGroups };
  }

  /** Replaces state and hyperparameters with copies of `sd`'s (for exact resume); the group layout must match. */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(`${where}: the state has ${sd.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const byIndex: Tensor[] = [];
    const hypers = sd.paramGroups.map(({ params, ...hyper }, g) => {
      const mine = this.paramGroups[g].params;
      if (params.length !== mine.length) {
        throw new RangeError(`${where}: parameter group ${g} has ${params.length} parameters in the state, ${mine.length} here`);
      }
      params.forEach((i, k) => (byIndex[i] = mine[k]));
      const group = `${where}: parameter group ${g}`;
      rejectUnknownKeys(hyper, Object.keys(this.defaults), group);
      const h = withDefaults(this.defaults, hyper as Partial<H>, group);
      this.check(h, group);
      return h;
    });
    for (const [i, s] of sd.state) {
      const p = byIndex[i];
      if (p === undefined) throw new RangeError(`${where}: state for parameter ${i}, which no group lists`);
      for (const [key, v] of Object.entries(s)) {
        if (v instanceof Tensor && (v.shape.length !== p.shape.length || v.shape.some((d, k) => d !== p.shape[k]))) {
          throw new RangeError(`${where}: state ${i}.${key} has shape [${v.shape}], the parameter has [${p.shape}]`);
        }
      }
    }
    // Checked: copy (in the parameter's dtype) before freeing the old state, which `sd` may share.
    const copies = [...sd.state].map(([i, s]) => {
      const p = byIndex[i];
      const copy: ParamState = {};
      for (const [key, v] of Object.entries(s)) copy[key] = v instanceof Tensor ? noGrad(() => v.to(p.dtype, { copy: true })).keep() : v;
      return [p, copy] as const;
    });
    this.dispose();
    for (const [p, copy] of copies) this.state.set(p, copy);
    hypers.forEach((h, g) => Object.assign(this.paramGroups[g], h));
  }

  /** Frees the state tensors (the parameters are the caller's). */
  dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }
}
