// Exact minimum-cost assignment on a rectangular cost matrix (the problem scipy's
// linear_sum_assignment solves), for the set criteria that match predicted masks to targets. The
// shortest-augmenting-path form of the Hungarian method with row and column potentials: each row
// is added by a Dijkstra-like search over columns, O(n²·m) for n ≤ m (a taller matrix is solved
// transposed). +∞ marks a forbidden pair; when no complete matching avoids them it is an error, as
// in scipy, and so are NaN and −∞.

export interface Assignment {
  /** Matched rows, ascending (every row when rows ≤ cols). */
  rows: Int32Array;
  /** The column matched to rows[k]. */
  cols: Int32Array;
  /** Σ cost[rows[k]][cols[k]]. */
  cost: number;
}

/**
 * The assignment of min(rows, cols) pairs, each row and column used at most once, whose total
 * cost is least. `cost` is row-major rows×cols; `where` names the matrix in errors.
 */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number, where = "cost matrix"): Assignment {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 0 && cols >= 0) || cost.length !== rows * cols) {
    throw new RangeError(`${where}: ${cost.length} entries do not make a ${rows}×${cols} matrix`);
  }
  for (let k = 0; k < cost.length; k++) {
    if (Number.isNaN(cost[k]) || cost[k] === -Infinity) {
      throw new RangeError(`${where}: entry (${Math.floor(k / cols)}, ${k % cols}) is ${cost[k]}; costs must be numbers or +Infinity (forbidden)`);
    }
  }
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const at = transposed ? (i: number, j: number) => cost[j * cols + i] : (i: number, j: number) => cost[i * cols + j];
  const colOfRow = solveWide(at, n, m, where);
  const pairs = Array.from(colOfRow, (j, i) => (transposed ? [j, i] : [i, j])).sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [i, j] of pairs) total += cost[i * cols + j];
  return { rows: Int32Array.from(pairs, (p) => p[0]), cols: Int32Array.from(pairs, (p) => p[1]), cost: total };
}

/** The column of each of n rows (n ≤ m) in a least-cost matching. */
function solveWide(at: (i: number, j: number) => number, n: number, m: number, where: string): Int32Array {
  // 1-based columns with column 0 as the search's virtual start; rowOf[j] is 1-based, 0 = free.
  const rowPotential = new Float64Array(n + 1);
  const colPotential = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1);
  const cameFrom = new Int32Array(m + 1);
  const slack = new Float64Array(m + 1);
  const visited = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    slack.fill(Infinity);
    visited.fill(0);
    do {
      visited[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity;
      let j1 = -1;
      for (let j = 1; j <= m; j++) {
        if (visited[j]) continue;
        const reduced = at(i0 - 1, j - 1) - rowPotential[i0] - colPotential[j];
        if (reduced < slack[j]) {
          slack[j] = reduced;
          cameFrom[j] = j0;
        }
        if (slack[j] < delta) {
          delta = slack[j];
          j1 = j;
        }
      }
      // Every unvisited column is forbidden from every row reached: row i cannot be placed.
      if (j1 < 0) throw new RangeError(`${where}: the cost matrix is infeasible (no complete matching avoids its +Infinity entries)`);
      for (let j = 0; j <= m; j++) {
        if (visited[j]) {
          rowPotential[rowOf[j]] += delta;
          colPotential[j] -= delta;
        } else slack[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    // Flip the augmenting path back to the start.
    do {
      const j1 = cameFrom[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (rowOf[j] !== 0) colOfRow[rowOf[j] - 1] = j - 1;
  return colOfRow;
}
