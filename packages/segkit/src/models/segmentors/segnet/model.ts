// SegNet (Badrinarayanan et al. 2017): a VGG-16-BN encoder whose max-pools remember where each maximum
// came from, and a mirrored decoder that unpools to those positions (sparse upsampling) followed by
// conv-BN-ReLU stages, ending in a classifier conv. Keys: "encoder.N.M", "decoder.N.M", "classifier".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

/** Convs per VGG-16 stage. */
export const STAGE_CONVS = [2, 2, 3, 3, 3];

export interface SegNetOptions extends Omit<SegmentorOptions, "divisor"> {
  widths?: number[];
  inChannels?: number;
}

/**
 * `count` layers from `cin` to `cout` (the channel change happens at `changeAt`), 3×3 conv-BN-ReLU
 * unless `layer` makes another kind (DeconvNet's decoder: 3×3 deconvolution-BN-ReLU).
 */
export function stage(cin: number, cout: number, count: number, changeAt: "first" | "last",
  layer: (cin: number, cout: number) => nn.Module = (a, b) => new ConvNormAct(a, b, 3)): nn.Sequential {
  const layers = Array.from({ length: count }, (_, i) => {
    const changes = changeAt === "first" ? i === 0 : i === count - 1;
    const from = changeAt === "first" ? (i === 0 ? cin : cout) : cin;
    return layer(from, changes ? cout : from);
  });
  return new nn.Sequential(...layers);
}

export class SegNet extends Segmentor {
  readonly encoder: nn.ModuleList<nn.Sequential>;
  readonly decoder: nn.ModuleList<nn.Sequential>;
  readonly classifier: nn.Conv2d;

  constructor({ widths = [64, 128, 256, 512, 512], inChannels = 3, ...common }: SegNetOptions) {
    super({ ...common, divisor: 32 });
    if (widths.length !== 5) throw new RangeError(`SegNet: widths must list 5 stage widths, got ${widths.length}`);
    const ins = [inChannels, ...widths.slice(0, -1)];
    this.encoder = this.registerModule("encoder", new nn.ModuleList(widths.map((w, i) => stage(ins[i], w, STAGE_CONVS[i], "first"))));
    // The decoder mirrors the encoder: stage i maps widths[i] back to the width before it.
    const outs = [widths[0], ...widths.slice(0, -1)];
    this.decoder = this.registerModule("decoder", new nn.ModuleList(widths.map((w, i) => stage(w, outs[i], STAGE_CONVS[i], "last")).reverse()));
    this.classifier = this.registerModule("classifier", new nn.Conv2d(widths[0], this.numClasses, 3, { padding: 1 }));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const indices: Tensor[] = [];
    let h = x;
    for (const encode of this.encoder) {
      const [pooled, where] = torch.maxPool2dWithIndices(encode.call(h), [2, 2], [2, 2]);
      indices.push(where);
      h = pooled;
    }
    for (const [i, decode] of [...this.decoder].entries()) {
      const where = indices[indices.length - 1 - i];
      h = decode.call(torch.maxUnpool2d(h, where, where.shape.slice(-2).map((n) => n * 2)));
    }
    return this.classifier.call(h);
  }
}
