// DETR's sine position embedding for an unpadded H×W map (MaskFormer's PositionEmbeddingSine with
// normalize=True): row and column indices 1..H and 1..W scaled to (0, 2π], each divided by
// temperature^(2⌊i/2⌋/F) for i < F, even i through sin and odd i through cos; the F row channels come
// before the F column channels. It holds no parameters.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

const TEMPERATURE = 10000;
const EPS = 1e-6;

/** (1, 2·numPosFeats, h, w) float32; the caller expands it over the batch. */
export function sinePositionEmbedding(numPosFeats: number, h: number, w: number): Tensor {
  return torch.tidy(() => {
    const i = torch.arange(numPosFeats, { dtype: "float32" });
    const dimT = torch.pow(TEMPERATURE, i.floorDivide(2).mul(2).div(numPosFeats));
    const even = i.remainder(2).eq(0);
    // (length, F): the index, normalised as the authors do (÷ (last + eps) × 2π), over dimT, then sin/cos.
    const axis = (length: number): Tensor => {
      const position = torch.arange(1, length + 1, { dtype: "float32" }).div(length + EPS).mul(2 * Math.PI);
      const scaled = position.unsqueeze(1).div(dimT);
      return torch.where(even, scaled.sin(), scaled.cos());
    };
    const rows = axis(h).t().unsqueeze(2).expand([numPosFeats, h, w]);
    const cols = axis(w).t().unsqueeze(1).expand([numPosFeats, h, w]);
    return torch.cat([rows, cols], 0).unsqueeze(0).contiguous();
  });
}
