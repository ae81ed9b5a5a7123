// Box regression deltas (dx, dy, dw, dh) relative to reference boxes, torchvision's BoxCoder: centre
// offsets in units of the reference size and log size ratios, each multiplied by its weight; decoding
// clamps dw and dh at bboxXformClip (log(1000 / 16)) before exp so that no box explodes.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { corners } from "./boxes.js";

export type BoxWeights = [number, number, number, number];

export class BoxCoder {
  constructor(readonly weights: BoxWeights, readonly bboxXformClip = Math.log(1000 / 16)) {}

  /** Deltas (N, 4) that take `anchors` (N, 4) to `targets` (N, 4). */
  encode(targets: Tensor, anchors: Tensor): Tensor {
    const [wx, wy, ww, wh] = this.weights;
    return torch.tidy(() => {
      const [ax1, ay1, ax2, ay2] = corners(anchors).map((c) => c.unsqueeze(1));
      const [tx1, ty1, tx2, ty2] = corners(targets).map((c) => c.unsqueeze(1));
      const aw = ax2.sub(ax1);
      const ah = ay2.sub(ay1);
      const acx = ax1.add(aw.mul(0.5));
      const acy = ay1.add(ah.mul(0.5));
      const tw = tx2.sub(tx1);
      const th = ty2.sub(ty1);
      const tcx = tx1.add(tw.mul(0.5));
      const tcy = ty1.add(th.mul(0.5));
      return torch.cat([
        tcx.sub(acx).mul(wx).div(aw), tcy.sub(acy).mul(wy).div(ah), tw.div(aw).log().mul(ww), th.div(ah).log().mul(wh),
      ], 1);
    });
  }

  /** Boxes (N, K, 4) from deltas (N, 4K) — K boxes per reference, one per class — and references (N, 4). */
  decode(deltas: Tensor, boxes: Tensor): Tensor {
    const [wx, wy, ww, wh] = this.weights;
    return torch.tidy(() => {
      const n = boxes.shape[0];
      const codes = deltas.reshape([n, -1]);
      const [x1, y1, x2, y2] = corners(boxes.to(codes.dtype));
      const widths = x2.sub(x1);
      const heights = y2.sub(y1);
      const cx = x1.add(widths.mul(0.5)).unsqueeze(1);
      const cy = y1.add(heights.mul(0.5)).unsqueeze(1);
      const delta = (i: number) => codes.slice(1, i, codes.shape[1], 4);
      const dx = delta(0).div(wx);
      const dy = delta(1).div(wy);
      const dw = delta(2).div(ww).clampMax(this.bboxXformClip);
      const dh = delta(3).div(wh).clampMax(this.bboxXformClip);
      const px = dx.mul(widths.unsqueeze(1)).add(cx);
      const py = dy.mul(heights.unsqueeze(1)).add(cy);
      const halfW = dw.exp().mul(widths.unsqueeze(1)).mul(0.5);
      const halfH = dh.exp().mul(heights.unsqueeze(1)).mul(0.5);
      return torch.stack([px.sub(halfW), py.sub(halfH), px.add(halfW), py.add(halfH)], 2);
    });
  }
}
