// Mask2Former's MSDeformAttnPixelDecoder (keys input_proj.i.{0,1}, transformer.*, adapter_i, layer_i,
// mask_features): the coarsest `encoderLevels` backbone maps (res3..res5 in the authors' configs) are
// projected (1×1 conv + GroupNorm), given sine positions and encoded together by the deformable
// encoder; finer maps join FPN-style (1×1 lateral conv + the coarser output upsampled bilinearly, then
// a 3×3 conv) down to the finest stride, where a 1×1 conv gives the per-pixel mask embeddings. The
// three coarsest outputs feed the transformer decoder's masked attention.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { NormedConv2d } from "../maskformer/normed-conv.js";
import { sinePositionEmbedding } from "../maskformer/position-embedding-sine.js";
import { DeformEncoder } from "./deform-encoder.js";

export interface MSDeformPixelDecoderOptions {
  /** Backbone channels, finest first. */
  inChannels: number[];
  convDim: number;
  maskDim: number;
  /** GroupNorm groups of every conv (32 in the authors' code). */
  normGroups: number;
  /** How many of the coarsest maps the deformable encoder reads (3). */
  encoderLevels: number;
  encoderLayers: number;
  nHeads: number;
  nPoints: number;
  dimFeedforward: number;
  dropout: number;
}

export interface MSDeformPixelDecoderOutput {
  /** (N, maskDim, H/s, W/s) at the finest stride s. */
  maskFeatures: Tensor;
  /** The decoder's three coarsest outputs (N, convDim, h, w), coarsest first. */
  multiScale: Tensor[];
}

/** The transformer decoder always reads three scales. */
export const DECODER_LEVELS = 3;

export class MSDeformPixelDecoder extends nn.Module {
  readonly inputProj: nn.ModuleList<nn.Sequential>;
  readonly transformer: DeformEncoder;
  readonly maskFeatures: nn.Conv2d;
  /** Finer maps' convs, coarsest first. */
  readonly #laterals: NormedConv2d[] = [];
  readonly #outputs: NormedConv2d[] = [];
  readonly halfWidth: number;

  constructor(o: MSDeformPixelDecoderOptions) {
    super();
    const { inChannels, convDim, maskDim, normGroups, encoderLevels } = o;
    if (!(Number.isInteger(encoderLevels) && encoderLevels >= DECODER_LEVELS && encoderLevels <= inChannels.length)) {
      throw new RangeError(`MSDeformPixelDecoder: encoderLevels must be an integer from ${DECODER_LEVELS} to the ${inChannels.length} backbone maps, got ${encoderLevels}`);
    }
    if (convDim % 2 !== 0) throw new RangeError(`MSDeformPixelDecoder: convDim must be even (half the position embedding is rows, half columns), got ${convDim}`);
    this.halfWidth = convDim / 2;
    const encoded = inChannels.slice(-encoderLevels).reverse();
    this.inputProj = this.registerModule("input_proj", new nn.ModuleList(encoded.map((c) => new nn.Sequential(new nn.Conv2d(c, convDim, 1), new nn.GroupNorm(normGroups, convDim)))));
    this.transformer = this.registerModule("transformer", new DeformEncoder({
      dModel: convDim, nHeads: o.nHeads, nPoints: o.nPoints, dimFeedforward: o.dimFeedforward, dropout: o.dropout, layers: o.encoderLayers, nLevels: encoderLevels,
    }));
    this.maskFeatures = this.registerModule("mask_features", new nn.Conv2d(convDim, maskDim, 1));
    // Finer maps, finest first as the authors number them (adapter_1 is the finest).
    inChannels.slice(0, inChannels.length - encoderLevels).forEach((c, i) => {
      this.#laterals.unshift(this.registerModule(`adapter_${i + 1}`, new NormedConv2d(c, convDim, 1, { groups: normGroups, relu: false })));
      this.#outputs.unshift(this.registerModule(`layer_${i + 1}`, new NormedConv2d(convDim, convDim, 3, { groups: normGroups, relu: true })));
    });
  }

  /** Backbone maps, finest first. */
  forward(features: Tensor[]): MSDeformPixelDecoderOutput {
    const levels = this.inputProj.length;
    const fpn = this.#laterals.length;
    if (features.length !== levels + fpn) throw new RangeError(`MSDeformPixelDecoder: expected ${levels + fpn} feature maps, got ${features.length}`);
    const coarseFirst = features.slice(fpn).reverse();
    const srcs = coarseFirst.map((f, l) => (this.inputProj.at(l) as nn.Sequential).call(f));
    const pos = coarseFirst.map((f) => sinePositionEmbedding(this.halfWidth, f.shape[2], f.shape[3]).expand([f.shape[0], -1, -1, -1]));
    const out = this.transformer.call(srcs, pos);
    features.slice(0, fpn).reverse().forEach((f, i) => {
      const lateral = this.#laterals[i].call(f);
      const up = nn.functional.interpolate(out[out.length - 1], { size: lateral.shape.slice(2), mode: "bilinear", alignCorners: false });
      out.push(this.#outputs[i].call(lateral.add(up)));
    });
    return { maskFeatures: this.maskFeatures.call(out[out.length - 1]), multiScale: out.slice(0, DECODER_LEVELS) };
  }
}
