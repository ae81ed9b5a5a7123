// Swin's windows on channels-last maps (B, H, W, C): partitioning into ws×ws windows and back, and
// the shifted-window attention mask. After the cyclic shift the padded grid holds up to 3×3 regions
// (split at −ws and −shift on each axis) that were not neighbours; tokens of different regions in
// one window must not attend to each other, so their score gets −100 (the Swin authors' value).
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** (B, H, W, C) with H, W multiples of ws → (B·nW, ws·ws, C), windows row-major. */
export function partitionWindows(x: Tensor, ws: number): Tensor {
  const [b, h, w, c] = x.shape;
  return x.reshape([b, h / ws, ws, w / ws, ws, c]).permute([0, 1, 3, 2, 4, 5]).reshape([-1, ws * ws, c]);
}

/** The inverse of partitionWindows for a (B, H, W, C) map. */
export function mergeWindows(windows: Tensor, ws: number, [h, w]: number[]): Tensor {
  const c = windows.shape[2];
  return windows.reshape([-1, h / ws, w / ws, ws, ws, c]).permute([0, 1, 3, 2, 4, 5]).reshape([-1, h, w, c]);
}

/**
 * torch.roll of a (B, H, W, C) map by `shift` along H and W, as two slices concatenated per axis
 * (what the ONNX export can translate; aten::roll it cannot).
 */
export function cyclicShift(x: Tensor, shift: number): Tensor {
  const along = (t: Tensor, dim: number): Tensor => {
    const size = t.shape[dim];
    const s = ((shift % size) + size) % size;
    return s === 0 ? t : torch.cat([t.slice(dim, size - s, size), t.slice(dim, 0, size - s)], dim);
  };
  return along(along(x, 1), 2);
}

/** Region of each position along one padded axis of `size` for window ws and shift s: 0, 1, 2. */
function regions(size: number, ws: number, shift: number): number[] {
  return Array.from({ length: size }, (_, i) => (i < size - ws ? 0 : i < size - shift ? 1 : 2));
}

/** The additive mask (nW, ws·ws, ws·ws) of a padded hp×wp grid shifted by `shift`: 0 within a region, −100 across. */
export function shiftedWindowMask([hp, wp]: number[], ws: number, shift: number): Tensor {
  const rows = regions(hp, ws, shift);
  const cols = regions(wp, ws, shift);
  const n = ws * ws;
  const windows = (hp / ws) * (wp / ws);
  const mask = new Float32Array(windows * n * n);
  let window = 0;
  for (let wy = 0; wy < hp; wy += ws) {
    for (let wx = 0; wx < wp; wx += ws) {
      const id = Array.from({ length: n }, (_, k) => rows[wy + Math.floor(k / ws)] * 3 + cols[wx + (k % ws)]);
      const base = window * n * n;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (id[a] !== id[b]) mask[base + a * n + b] = -100;
      window++;
    }
  }
  return torch.tensor(mask, { shape: [windows, n, n] });
}
