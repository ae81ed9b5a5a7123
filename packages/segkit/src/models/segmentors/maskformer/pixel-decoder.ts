// MaskFormer's pixel decoders, a light FPN over the backbone's maps (finest first). BasePixelDecoder:
// the coarsest map goes through a 3×3 conv (layer_N); each finer one through a 1×1 lateral conv
// (adapter_i), plus the coarser result upsampled by nearest neighbour, then a 3×3 conv (layer_i). A
// last 3×3 conv (mask_features) gives the per-pixel embeddings at the finest stride. With encoder
// layers it is TransformerEncoderPixelDecoder: the coarsest map is first projected (input_proj, 1×1)
// and run through a DETR encoder with sine positions (transformer.encoder.*), whose output also feeds
// the transformer decoder. Keys are the authors'.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { NormedConv2d } from "./normed-conv.js";
import { sinePositionEmbedding } from "./position-embedding-sine.js";
import { DetrEncoderOnly, type DetrEncoderOptions } from "./transformer.js";

export interface PixelDecoderOptions {
  inChannels: number[];
  convDim: number;
  maskDim: number;
  /** GroupNorm groups of the convs (32 in the authors' configs); null for none. */
  normGroups: number | null;
  /** The encoder over the coarsest map (TransformerEncoderPixelDecoder), of width convDim; null for none. */
  encoder?: Omit<DetrEncoderOptions, "dModel"> | null;
}

export interface PixelDecoderOutput {
  /** (N, maskDim, H/s, W/s) at the finest input's stride s. */
  maskFeatures: Tensor;
  /** The encoder's output (N, convDim, h, w) at the coarsest stride, or null without encoder. */
  encoded: Tensor | null;
}

export class BasePixelDecoder extends nn.Module {
  /** Finest first, as the inputs; adapters[last] is null. */
  readonly #adapters: (NormedConv2d | null)[] = [];
  readonly #layers: NormedConv2d[] = [];
  readonly maskFeatures: NormedConv2d;
  readonly inputProj: nn.Conv2d | null = null;
  readonly transformer: DetrEncoderOnly | null = null;
  readonly convDim: number;

  constructor({ inChannels, convDim, maskDim, normGroups, encoder = null }: PixelDecoderOptions) {
    super();
    this.convDim = convDim;
    const last = inChannels.length - 1;
    inChannels.forEach((channels, i) => {
      // Registration order gives the authors' state-dict order: adapter_i before layer_i.
      const adapter = i === last ? null : this.registerModule(`adapter_${i + 1}`, new NormedConv2d(channels, convDim, 1, { groups: normGroups, relu: false }));
      this.#adapters.push(adapter);
      const layerIn = i === last && encoder === null ? channels : convDim;
      this.#layers.push(this.registerModule(`layer_${i + 1}`, new NormedConv2d(layerIn, convDim, 3, { groups: normGroups, relu: true })));
    });
    this.maskFeatures = this.registerModule("mask_features", new NormedConv2d(convDim, maskDim, 3, { groups: null, relu: false }));
    if (encoder !== null) {
      if (convDim % 2 !== 0) throw new RangeError(`BasePixelDecoder: convDim must be even with an encoder (half the position embedding is rows, half columns), got ${convDim}`);
      this.inputProj = this.registerModule("input_proj", new nn.Conv2d(inChannels[last], convDim, 1));
      this.transformer = this.registerModule("transformer", new DetrEncoderOnly({ dModel: convDim, ...encoder }));
    }
  }

  forward(features: Tensor[]): PixelDecoderOutput {
    if (features.length !== this.#layers.length) throw new RangeError(`BasePixelDecoder: expected ${this.#layers.length} feature maps, got ${features.length}`);
    const coarsest = features[features.length - 1];
    let encoded: Tensor | null = null;
    if (this.inputProj && this.transformer) {
      const [n, , h, w] = coarsest.shape;
      const pos = sinePositionEmbedding(this.convDim / 2, h, w).expand([n, -1, -1, -1]);
      encoded = this.transformer.call(this.inputProj.call(coarsest), pos);
    }
    let y: Tensor | null = null;
    for (let i = features.length - 1; i >= 0; i--) {
      const adapter = this.#adapters[i];
      const x: Tensor = adapter === null ? (encoded ?? coarsest) : adapter.call(features[i]).add(nn.functional.interpolate(y!, { size: features[i].shape.slice(2), mode: "nearest" }));
      y = this.#layers[i].call(x);
    }
    return { maskFeatures: this.maskFeatures.call(y!), encoded };
  }
}
