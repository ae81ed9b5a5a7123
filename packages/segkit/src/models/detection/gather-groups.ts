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
 * in the original row order (differentiable: each group's rows copied into place, as torchvision's
 * MultiScaleRoIAlign writes result[idx_in_level]).
 */
export function byGroups(groups: Map<number, number[]>, run: (group: number, rows: Tensor) => Tensor): Tensor {
  return torch.tidy(() => {
    const total = [...groups.values()].reduce((n, rows) => n + rows.length, 0);
    let result: Tensor | null = null;
    for (const [group, rows] of groups) {
      const at = torch.tensor(rows, { dtype: "int64" });
      const part = run(group, at);
      // One group holds every row in order: its result is the answer.
      if (groups.size === 1) return part;
      result ??= torch.zeros([total, ...part.shape.slice(1)], { dtype: part.dtype });
      result.indexCopy_(0, at, part);
    }
    if (result === null) throw new RangeError("byGroups: no groups");
    return result;
  });
}
