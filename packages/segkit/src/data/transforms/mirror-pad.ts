// MirrorPad (U-Net's overlap-tile strategy): extend the image by `margin` pixels on every side by
// reflecting it at the border, so a valid-convolution network sees context at the edges. The label
// border is the ignore index by default (there is no ground truth there), or mirrored too. Panoptic
// ids and instance masks get a void border either way: a mirrored object is no second instance.
import { register } from "../../config/registry.js";
import { num, str, type Options } from "../options.js";
import type { Transform } from "../types.js";
import { carrySegments } from "../segments/carry-segments.js";
import { cropPlane } from "./sampling.js";

export function mirrorPad(o: Options): Transform {
  const where = "transform MirrorPad";
  const margin = num(o, "margin", 92, where, [0, 4096]);
  const labelBorder = str(o, "label", "ignore", where, ["ignore", "mirror"] as const);
  const ignore = num(o, "ignoreIndex", 255, where, [0, 255]);
  return (s) => {
    const { width: w, height: h } = s;
    if (margin >= w || margin >= h) throw new Error(`${where}: margin ${margin} must be smaller than the image (${w}×${h})`);
    const ow = w + 2 * margin, oh = h + 2 * margin;
    const reflect = (v: number, n: number): number => (v < 0 ? -v : v >= n ? 2 * (n - 1) - v : v);
    const pixels = s.pixels instanceof Uint8Array ? new Uint8Array(ow * oh * 3) : new Float32Array(ow * oh * 3);
    const label = new Uint8Array(ow * oh);
    for (let y = 0, o = 0; y < oh; y++) {
      const sy = reflect(y - margin, h);
      for (let x = 0; x < ow; x++, o++) {
        const sx = reflect(x - margin, w);
        const src = sy * w + sx;
        pixels[o * 3] = s.pixels[src * 3];
        pixels[o * 3 + 1] = s.pixels[src * 3 + 1];
        pixels[o * 3 + 2] = s.pixels[src * 3 + 2];
        const inside = y >= margin && y < margin + h && x >= margin && x < margin + w;
        label[o] = inside || labelBorder === "mirror" ? s.label[src] : ignore;
      }
    }
    return carrySegments(s, { ...s, width: ow, height: oh, pixels, label }, (plane) => cropPlane(plane, w, h, 1, -margin, -margin, oh, ow, 0));
  };
}

register("transform", "mirror_pad", { formerly: ["MirrorPad"], options: ["margin", "label", "ignoreIndex"], build: mirrorPad, summary: "U-Net overlap-tile mirror padding" });
