// SAM's output upscaling (two 2×2 stride-2 transposed convs, LayerNorm2d and GELU) and the mask dot
// product, computed on channels-last pixels. A 2×2 stride-2 transposed conv's kernel windows do not
// overlap: each output pixel is one dot product of its input pixel's channels, so the conv is one
// matmul (B·P, Cin) × (Cin, 2·2·Cout) and the four sub-pixels stay as two extra axes until the
// masks, which are put in image order with one permute of M channels instead of C/8. libtorch's
// transposed conv took 8× longer than the same matmul (280 vs 36 ms at 64², loaded machine).
import * as torch from "@segkit/torch";
import type { nn, Tensor } from "@segkit/torch";
import type { LayerNorm2d } from "../blocks/layer-norm-2d.js";

export interface UpscalingLayers {
  first: nn.ConvTranspose2d;
  norm: LayerNorm2d;
  second: nn.ConvTranspose2d;
}

/** A 2×2 stride-2 transposed conv on (..., Cin) pixels → (..., 2, 2, Cout): rows and columns of the kernel as axes. */
function upscale2x(x: Tensor, conv: nn.ConvTranspose2d): Tensor {
  const [inChannels, outChannels] = conv.weight.shape;
  const weight = conv.weight.permute([0, 2, 3, 1]).reshape([inChannels, 4 * outChannels]);
  const y = x.matmul(weight).reshape([...x.shape.slice(0, -1), 2, 2, outChannels]);
  return conv.bias ? y.add(conv.bias) : y;
}

/**
 * Image tokens (B, h·w, C) of an [h, w] grid and hypernetwork weights (B, M, C/8) → mask logits
 * (B, M, 4h, 4w): the reference's output_upscaling followed by hyper @ upscaled.
 */
export function upscaledMasks({ first, norm, second }: UpscalingLayers, imageTokens: Tensor, hyper: Tensor, [h, w]: number[]): Tensor {
  const [b, , c] = imageTokens.shape;
  const once = upscale2x(imageTokens.reshape([b, h, w, c]), first);
  const normed = torch.nn.functional.layerNorm(once, [norm.channels], { weight: norm.weight, bias: norm.bias, eps: norm.eps }).gelu();
  const twice = upscale2x(normed, second).gelu(); // (B, h, w, 2, 2, 2, 2, C/8)
  const masks = twice.reshape([b, -1, twice.shape[7]]).matmul(hyper.transpose(1, 2)); // (B, h·w·16, M)
  // Axes (B, h, w, row1, col1, row2, col2, M): image row 4y + 2·row1 + row2, column 4x + 2·col1 + col2.
  return masks.reshape([b, h, w, 2, 2, 2, 2, -1]).permute([0, 7, 1, 3, 5, 2, 4, 6]).reshape([b, -1, 4 * h, 4 * w]);
}
