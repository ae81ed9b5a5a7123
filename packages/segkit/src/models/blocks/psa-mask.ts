// PSANet's PSAMask (Zhao et al. 2018, "PSANet: Point-wise Spatial Attention Network"), written with
// tensor ops where mmcv has a C++/CUDA kernel. The attention map predicts, at every position q, a
// (2H−1)×(2W−1)-style mask of mh×mw weights centred on q; PSAMask places those weights on the H×W
// grid, giving an (N, H·W, H, W) map. In "collect" mode entry [p, q] is the weight q gives to p
// (what q collects from p); in "distribute" mode entry [q, p] is the weight q sends to p. Positions
// of the grid the mask does not reach hold 0.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export type PSAMode = "collect" | "distribute";

/**
 * For every pair (p, q) of grid positions, the mask channel of p seen from q, (ph − qh + mh//2)·mw +
 * (pw − qw + mw//2), or mh·mw (a zero channel) where p lies outside q's mask: (H·W, H·W) int64.
 */
function maskChannels(h: number, w: number, [mh, mw]: [number, number]): Tensor {
  return torch.tidy(() => {
    const positions = torch.arange(h * w, { dtype: "int64" });
    const rows = positions.div(w, { roundingMode: "floor" });
    const cols = positions.remainder(w);
    const dh = rows.unsqueeze(1).sub(rows.unsqueeze(0)).add((mh - 1) >> 1);
    const dw = cols.unsqueeze(1).sub(cols.unsqueeze(0)).add((mw - 1) >> 1);
    const inside = dh.ge(0).logicalAnd(dh.lt(mh)).logicalAnd(dw.ge(0)).logicalAnd(dw.lt(mw));
    return dh.mul(mw).add(dw).maskedFill(inside.logicalNot(), mh * mw);
  });
}

/** The (N, mh·mw, H, W) mask predictions placed on the grid: (N, H·W, H, W). */
export function psaMask(mask: Tensor, mode: PSAMode, size: [number, number]): Tensor {
  const [n, channels, h, w] = mask.shape;
  if (channels !== size[0] * size[1]) throw new RangeError(`psaMask: expected ${size[0] * size[1]} mask channels (${size[0]}×${size[1]}), got ${channels}`);
  const channelOf = maskChannels(h, w, size);
  const withZero = torch.cat([mask.reshape([n, channels, h * w]), torch.zeros([n, 1, h * w])], 1); // (N, K+1, HW)
  // collect: out[p, q] = mask[channel(p, q), q]; distribute: out[q, p] = mask[channel(p, q), q].
  const out = mode === "collect"
    ? withZero.gather(1, channelOf.expand([n, h * w, h * w]))
    : withZero.transpose(1, 2).gather(2, channelOf.t().expand([n, h * w, h * w]));
  channelOf.dispose();
  return out.reshape([n, h * w, h, w]);
}
