// LayerNorm over the channels of a feature map (B, C, H, W), as SETR's heads and MLA neck normalise
// the ViT's token maps: the map is read as H·W tokens of C channels.
import type { Tensor } from "@segkit/torch";
import type { nn } from "@segkit/torch";
import { toFeatureMap, toTokens } from "./tokens.js";

export function normTokens(norm: nn.LayerNorm, x: Tensor): Tensor {
  return toFeatureMap(norm.call(toTokens(x)), x.shape.slice(2)).contiguous();
}
