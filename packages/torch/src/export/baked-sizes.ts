// Whether a recorded graph holds for other input sizes: record the same forward pass at two input
// shapes and compare. Every size TypeScript read from a tensor became a constant of the graph, so
// identical graphs mean no size was baked in; the first difference names the operator that took it.
import { tidy } from "../scope.js";
import { Tensor } from "../tensor.js";
import type { RecordedGraph, RecordedNode } from "../native.js";
import type { Recording } from "./record.js";

function sameConstant(a: unknown, b: unknown): boolean {
  if (a instanceof Tensor && b instanceof Tensor) {
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
    const [x, y] = [a.toTypedArray(), b.toTypedArray()];
    return x.every((v, i) => v === y[i]);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(value: unknown): string {
  if (value instanceof Tensor) return `a tensor of shape [${value.shape.join(", ")}]`;
  return Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(", ")}]` : JSON.stringify(value);
}

/** Value ids → their position in the graph (inputs, then node outputs in order), comparable across recordings. */
function positions(graph: RecordedGraph): Map<number, number> {
  const ids = [...graph.inputs.map((v) => v.id), ...graph.nodes.flatMap((n) => n.outputs.map((v) => v.id))];
  return new Map(ids.map((id, i) => [id, i]));
}

/** The first node reading `id`: the operator a constant was computed for. */
function consumer(graph: RecordedGraph, id: number): RecordedNode | undefined {
  return graph.nodes.find((n) => n.inputs.includes(id));
}

/** The constant values a prim::ListConstruct gathers (null for a computed item). */
function listValues(graph: RecordedGraph, list: RecordedNode): unknown[] {
  return list.inputs.map((id) => graph.nodes.find((n) => n.kind === "prim::Constant" && n.outputs[0].id === id)?.value ?? null);
}

/**
 * Null when `a` and `b` (recordings of one forward pass on inputs of different shapes) are the same
 * graph; otherwise where they differ, e.g. `aten::upsample_bilinear2d takes [32, 32] at the first
 * shape but [40, 48] at the second`.
 */
export function bakedSizes(a: Recording, b: Recording): string | null {
  return tidy(() => {
    const [ga, gb] = [a.graph(), b.graph()];
    const [pa, pb] = [positions(ga), positions(gb)];
    if (ga.nodes.length !== gb.nodes.length) return `the forward pass records ${ga.nodes.length} operators at the first shape but ${gb.nodes.length} at the second (it branches on the size)`;
    for (let i = 0; i < ga.nodes.length; i++) {
      const [na, nb] = [ga.nodes[i], gb.nodes[i]];
      const sameInputs = na.inputs.length === nb.inputs.length && na.inputs.every((id, k) => pa.get(id) === pb.get(nb.inputs[k]));
      if (na.kind !== nb.kind || !sameInputs || na.name !== nb.name) return `operator ${i} is ${na.kind} at the first shape but ${nb.kind} at the second (it branches on the size)`;
      if (na.kind === "prim::Constant" && !sameConstant(na.value, nb.value)) {
        // Sizes often reach an operator as a list built from constants: show the lists.
        const [ua, ub] = [consumer(ga, na.outputs[0].id), consumer(gb, nb.outputs[0].id)];
        const isList = ua?.kind === "prim::ListConstruct" && ub?.kind === "prim::ListConstruct";
        const [va, vb] = isList ? [listValues(ga, ua!), listValues(gb, ub!)] : [na.value, nb.value];
        const user = isList ? consumer(ga, ua!.outputs[0].id) : ua;
        return `${user?.kind ?? "an operator"} takes ${describe(va)} at the first shape but ${describe(vb)} at the second`;
      }
    }
    return null;
  });
}
