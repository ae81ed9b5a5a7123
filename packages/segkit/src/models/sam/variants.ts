// The official SAM sizes as data (the authors' build_sam.py): ViT-B, ViT-L and ViT-H image encoders,
// windows of 14, four evenly spaced global-attention blocks; the same prompt encoder and decoder.
import { Sam, type SamOptions } from "./sam.js";

export const SAM_VARIANTS = {
  vit_b: { embedDim: 768, depth: 12, numHeads: 12, globalAttnIndexes: [2, 5, 8, 11] },
  vit_l: { embedDim: 1024, depth: 24, numHeads: 16, globalAttnIndexes: [5, 11, 17, 23] },
  vit_h: { embedDim: 1280, depth: 32, numHeads: 16, globalAttnIndexes: [7, 15, 23, 31] },
} as const;

export type SamVariant = keyof typeof SAM_VARIANTS;

export function isSamVariant(name: string): name is SamVariant {
  return Object.hasOwn(SAM_VARIANTS, name);
}

/** SAM of a named size ("vit_b", "vit_l", "vit_h"), other options as given. */
export function buildSam(variant: SamVariant, options: Omit<SamOptions, "encoder"> = {}): Sam {
  if (!isSamVariant(variant)) throw new RangeError(`SAM: unknown variant ${JSON.stringify(variant)} (one of ${Object.keys(SAM_VARIANTS).join(", ")})`);
  const { globalAttnIndexes, ...encoder } = SAM_VARIANTS[variant];
  return new Sam({ ...options, encoder: { ...encoder, globalAttnIndexes: [...globalAttnIndexes] } });
}
