// Window partition for SAM's windowed attention blocks: a token map (B, H, W, C) is zero-padded at
// the bottom and right to multiples of the window and cut into (B·windows, w, w, C); the reverse
// stitches the windows back and drops the padding.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** (B, H, W, C) → windows (B·nh·nw, size, size, C) and the padded [Hp, Wp]. */
export function windowPartition(x: Tensor, size: number): { windows: Tensor; padded: [number, number] } {
  const [b, h, w, c] = x.shape;
  const hp = Math.ceil(h / size) * size;
  const wp = Math.ceil(w / size) * size;
  const padded = hp > h || wp > w ? torch.constantPadNd(x, [0, 0, 0, wp - w, 0, hp - h], 0) : x;
  const windows = padded.reshape([b, hp / size, size, wp / size, size, c]).permute([0, 1, 3, 2, 4, 5]).reshape([-1, size, size, c]);
  return { windows, padded: [hp, wp] };
}

/** windows (B·nh·nw, size, size, C) → (B, H, W, C) of the unpadded [H, W]. */
export function windowUnpartition(windows: Tensor, size: number, [hp, wp]: [number, number], [h, w]: number[]): Tensor {
  const b = windows.shape[0] / ((hp / size) * (wp / size));
  const x = windows.reshape([b, hp / size, wp / size, size, size, -1]).permute([0, 1, 3, 2, 4, 5]).reshape([b, hp, wp, -1]);
  return hp > h || wp > w ? x.slice(1, 0, h).slice(2, 0, w).contiguous() : x;
}
