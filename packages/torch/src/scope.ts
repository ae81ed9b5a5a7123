// Deterministic memory: tidy() scopes free every tensor made inside them except what escapes.
import type { Tensor } from "./tensor.js";
import { native } from "./native.js";

const scopes: Set<Tensor>[] = [];

/**
 * Called by every new Tensor: the innermost open scope (if any) owns it. Returns false when no
 * scope does, and the tensor needs the GC backstop.
 */
export function track(t: Tensor): boolean {
  if (scopes.length === 0) return false;
  scopes[scopes.length - 1].add(t);
  return true;
}

/** Exempts `t` from every open tidy() scope: it lives until disposed explicitly. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  t.guardByGc();
  return t;
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && "handle" in v && typeof (v as Tensor).dispose === "function";
}

// Tensors reachable from a scope's result (arrays, plain objects, Maps) escape the scope.
function collect(value: unknown, into: Set<Tensor>, seen: Set<unknown>): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (isTensorLike(value)) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, into, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor created during it, except the tensors in its result (which
 * move to the enclosing scope) and those passed to keep(). `fn` must be synchronous: tensors made
 * after an `await` would belong to whatever scope is open then.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  // Tensors made inside belong to the scope: the addon stops reporting new ones to V8.
  if (scopes.length === 0) native.setScopeOpen(true);
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError("tidy(fn): fn returned a Promise; tidy scopes must be synchronous");
    }
  } catch (err) {
    scopes.pop();
    if (scopes.length === 0) native.setScopeOpen(false);
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  if (scopes.length === 0) native.setScopeOpen(false);
  const escaping = new Set<Tensor>();
  collect(result, escaping, new Set());
  for (const t of scope) {
    if (escaping.has(t)) {
      if (scopes.length > 0) scopes[scopes.length - 1].add(t);
      else t.guardByGc();
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Number of tidy() scopes currently open. */
export function scopeDepth(): number {
  return scopes.length;
}
