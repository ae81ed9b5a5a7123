// Resizing learned absolute position embeddings to the token grid of the input, as timm's
// resample_abs_pos_embed and mmsegmentation's resize_pos_embed do: the grid part resized as an image
// (align_corners false), the prefix (class token) entries kept.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/**
 * "bicubic" and "bilinear" are F.interpolate's modes (mmsegmentation's configs); "bicubic-antialias"
 * is timm's dynamic-size path (F.interpolate(mode="bicubic", antialias=True)).
 */
export type PosEmbedInterpolation = "bicubic" | "bilinear" | "bicubic-antialias";
export const POS_EMBED_INTERPOLATIONS: PosEmbedInterpolation[] = ["bicubic", "bilinear", "bicubic-antialias"];

/** posEmbed (1, prefix + gh·gw, D) on a `grid` [gh, gw] → (1, prefix + h·w, D) on `size` [h, w]. */
export function resizePosEmbed(posEmbed: Tensor, grid: number[], size: number[], prefix: number, mode: PosEmbedInterpolation): Tensor {
  if (grid[0] === size[0] && grid[1] === size[1]) return posEmbed;
  const dim = posEmbed.shape[2];
  const image = posEmbed.slice(1, prefix).reshape([1, grid[0], grid[1], dim]).permute([0, 3, 1, 2]);
  const resized = mode === "bicubic-antialias"
    ? torch._upsampleBicubic2dAa(image, size, false)
    : torch.nn.functional.interpolate(image, { size, mode, alignCorners: false });
  const tokens = resized.permute([0, 2, 3, 1]).reshape([1, size[0] * size[1], dim]);
  return prefix > 0 ? torch.cat([posEmbed.slice(1, 0, prefix), tokens], 1) : tokens;
}
