// Containers: Sequential runs its children in order; ModuleList and ModuleDict only hold children so
// that their parameters get the keys PyTorch gives them ("downs.0.weight", "heads.aux.weight").
import type { Tensor } from "../tensor.js";
import { Module } from "./module.js";

/** A module taking and returning one tensor, as Sequential chains them. */
type TensorModule = Module & { forward(x: Tensor): Tensor };

/** Children "0", "1", ... applied in order (through call(), so their hooks fire). */
export class Sequential extends Module {
  #length = 0;

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: Module): this {
    this.registerModule(String(this.#length++), module);
    return this;
  }

  get length(): number {
    return this.#length;
  }

  at(index: number): Module {
    const m = this.children().at(index);
    if (m === undefined) throw new RangeError(`Sequential.at: index ${index} out of range for length ${this.#length}`);
    return m;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.children()) h = (m as TensorModule).call(h);
    return h;
  }
}

/** An indexable list of modules, registered as "0", "1", ...; it has no forward of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  at(index: number): M {
    const m = this.#items.at(index);
    if (m === undefined) throw new RangeError(`ModuleList.at: index ${index} out of range for length ${this.#items.length}`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error("ModuleList has no forward: iterate over its modules");
  }
}

/** Modules by name, in insertion order; it has no forward of its own. */
export class ModuleDict<M extends Module = Module> extends Module {
  #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [name, m] of entries) this.set(name, m);
  }

  set(name: string, module: M): this {
    if (this.#items.has(name)) throw new Error(`ModuleDict: "${name}" is already set`);
    this.registerModule(name, module);
    this.#items.set(name, module);
    return this;
  }

  get(name: string): M {
    const m = this.#items.get(name);
    if (m === undefined) throw new RangeError(`ModuleDict.get: no module "${name}" (has ${[...this.#items.keys()].join(", ")})`);
    return m;
  }

  has(name: string): boolean {
    return this.#items.has(name);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.#items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error("ModuleDict has no forward: look its modules up by name");
  }
}
