// Running a function on groups of rows and putting its results back in row order: the per-image and
// per-level passes of RoIAlign and the box head.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Row indices by group value (ascending), from a vector of small non-negative integers. */
export function groupRows(values: number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const key of [...new Set(values)].sort((a, b) => a - b)) groups.set(key, []);
  values.forEach((v, i) => groups.get(v)!.push(i));
  return groups;
}

/**
 * Results of `run(group, rows)` (each with one leading row per index) for every group, as one tensor
 * in the original row order (differentiable: a concatenation and a gather).
 */
export function byGroups(groups: Map<number, number[]>, run: (group: number, rows: Tensor) => Tensor): Tensor {
  return torch.tidy(() => {
    const order: number[] = [];
    const parts: Tensor[] = [];
    for (const [group, rows] of groups) {
      parts.push(run(group, torch.tensor(rows, { dtype: "int64" })));
      order.push(...rows);
    }
    const inverse = new Array<number>(order.length);
    order.forEach((row, position) => (inverse[row] = position));
    return torch.cat(parts, 0).indexSelect(0, torch.tensor(inverse, { dtype: "int64" }));
  });
}
