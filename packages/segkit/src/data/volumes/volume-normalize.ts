// Intensity normalisation of volumes, per channel: z-score over the voxels (optionally only the
// non-zero ones, as MONAI's NormalizeIntensity(nonzero=True) does for skull-stripped scans), after an
// optional clip to a window (CT's Hounsfield range, say).
import { register } from "../../config/registry.js";
import { bool, type Options } from "../options.js";
import type { VolumeTransform } from "./types.js";

export function volumeNormalize(o: Options): VolumeTransform {
  const where = "volume transform normalize";
  const nonzero = bool(o, "nonzero", false, where);
  const clip = o.clip;
  if (clip !== undefined && !(Array.isArray(clip) && clip.length === 2 && clip.every((v) => typeof v === "number") && clip[0] < clip[1])) {
    throw new Error(`${where}: "clip" must be [low, high] with low < high, got ${JSON.stringify(clip)}`);
  }
  const [low, high] = (clip as [number, number] | undefined) ?? [-Infinity, Infinity];
  return (s) => {
    const voxels = s.shape[0] * s.shape[1] * s.shape[2];
    const image = s.image.map((v) => Math.min(Math.max(v, low), high));
    for (let c = 0; c < s.channels; c++) {
      const channel = image.subarray(c * voxels, (c + 1) * voxels);
      let sum = 0;
      let squares = 0;
      let count = 0;
      for (const v of channel) {
        if (nonzero && v === 0) continue;
        sum += v;
        squares += v * v;
        count++;
      }
      if (count === 0) continue;
      const mean = sum / count;
      const std = Math.sqrt(Math.max(squares / count - mean * mean, 0)) || 1;
      for (let i = 0; i < channel.length; i++) if (!(nonzero && channel[i] === 0)) channel[i] = (channel[i] - mean) / std;
    }
    return { ...s, image };
  };
}

register("volume_transform", "normalize", { options: ["nonzero", "clip"], build: volumeNormalize, summary: "per-channel z-score after an optional clip, optionally over non-zero voxels" });
