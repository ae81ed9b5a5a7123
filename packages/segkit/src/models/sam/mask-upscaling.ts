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

/**
 * A 2×2 stride-2 transposed conv on pixels (P, Cin) → (P, 2·2·Cout): the kernel's rows and columns
 * before the channels. One 2-D linear with the bias tiled over the four sub-pixels: onnxruntime
 * runs that as one Gemm and a plain GELU after it (on the 6-D pixels it ran a batched matmul and a
 * fused bias-GELU, 5× longer); libtorch's addmm starts from the bias instead of adding it in a
 * second pass over the output (0.5 and 1 ms less for the two convs at 64², 1 thread).
 */
function upscale2x(x: Tensor, conv: nn.ConvTranspose2d): Tensor {
  const [inChannels, outChannels] = conv.weight.shape;
  const weight = conv.weight.permute([2, 3, 1, 0]).reshape([4 * outChannels, inChannels]);
  return torch.linear(x, weight, conv.bias ? conv.bias.unsqueeze(0).expand([4, outChannels]).reshape([-1]) : null);
}

/**
 * Image tokens (B, h·w, C) of an [h, w] grid and hypernetwork weights (B, M, C/8) → mask logits
 * (B, M, 4h, 4w): the reference's output_upscaling followed by hyper @ upscaled.
 */
export function upscaledMasks({ first, norm, second }: UpscalingLayers, imageTokens: Tensor, hyper: Tensor, [h, w]: number[]): Tensor {
  const [b, , c] = imageTokens.shape;
  const once = upscale2x(imageTokens.reshape([-1, c]), first).reshape([-1, norm.channels]); // (B·h·w·2·2, C/4)
  const normed = torch.nn.functional.layerNorm(once, [norm.channels], { weight: norm.weight, bias: norm.bias, eps: norm.eps }).gelu();
  const twice = upscale2x(normed, second).gelu(); // (B·h·w·2·2, 2·2·C/8)
  // Masks first, (M, C/8) × (C/8, pixels): the permute below then moves runs of 2 values within
  // each mask's plane, not single values between masks (onnxruntime: transpose 1.6 → 0.6 ms and
  // product 0.8 → 0.6 ms at 64², 1 thread; libtorch the same either way).
  const masks = hyper.matmul(twice.reshape([b, -1, hyper.shape[2]]).transpose(1, 2)); // (B, M, h·w·16)
  // Axes (B, M, h, w, row1, col1, row2, col2): image row 4y + 2·row1 + row2, column 4x + 2·col1 + col2.
  return masks.reshape([b, -1, h, w, 2, 2, 2, 2]).permute([0, 1, 2, 4, 6, 3, 5, 7]).reshape([b, -1, 4 * h, 4 * w]);
}
