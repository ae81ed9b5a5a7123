// Between feature maps and token sequences, as the vision transformers move: (B, C, H, W) ↔ (B, H·W, C).
import type { Tensor } from "@segkit/torch";

/** (B, C, H, W) → (B, H·W, C), row-major over the pixels. */
export function toTokens(x: Tensor): Tensor {
  return x.flatten(2).transpose(1, 2);
}

/** (B, H·W, C) → (B, C, H, W). */
export function toFeatureMap(tokens: Tensor, [h, w]: number[]): Tensor {
  const [batch, , channels] = tokens.shape;
  return tokens.transpose(1, 2).reshape([batch, channels, h, w]);
}
