// mmsegmentation's "resize_concat" input transform (HRNetV2's head input): every feature map resized
// bilinearly to the first one's size, concatenated along channels.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "./resize.js";

export function resizeConcat(features: Tensor[]): Tensor {
  const size = spatial(features[0]);
  return torch.cat(features.map((f) => resize(f, size)), 1);
}

/** Channels of a head input: one map's, or the sum over the maps resize_concat joins. */
export function concatenatedChannels(inChannels: number | number[]): number {
  return Array.isArray(inChannels) ? inChannels.reduce((a, b) => a + b, 0) : inChannels;
}
