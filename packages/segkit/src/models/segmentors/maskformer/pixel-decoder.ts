// MaskFormer's BasePixelDecoder: a light FPN over the backbone's maps (finest first). The coarsest map
// goes through a 3×3 conv (layer_N); each finer one through a 1×1 lateral conv (adapter_i), plus the
// coarser result upsampled by nearest neighbour, then a 3×3 conv (layer_i). A last 3×3 conv
// (mask_features) gives the per-pixel embeddings at the finest stride. Keys are the authors'.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { NormedConv2d } from "./normed-conv.js";

export interface PixelDecoderOptions {
  inChannels: number[];
  convDim: number;
  maskDim: number;
  /** GroupNorm groups of the convs (32 in the authors' configs); null for none. */
  normGroups: number | null;
}

export class BasePixelDecoder extends nn.Module {
  /** Finest first, as the inputs; adapters[last] is null. */
  readonly #adapters: (NormedConv2d | null)[] = [];
  readonly #layers: NormedConv2d[] = [];
  readonly maskFeatures: NormedConv2d;

  constructor({ inChannels, convDim, maskDim, normGroups }: PixelDecoderOptions) {
    super();
    const last = inChannels.length - 1;
    inChannels.forEach((channels, i) => {
      // Registration order gives the authors' state-dict order: adapter_i before layer_i.
      const adapter = i === last ? null : this.registerModule(`adapter_${i + 1}`, new NormedConv2d(channels, convDim, 1, { groups: normGroups, relu: false }));
      this.#adapters.push(adapter);
      this.#layers.push(this.registerModule(`layer_${i + 1}`, new NormedConv2d(i === last ? channels : convDim, convDim, 3, { groups: normGroups, relu: true })));
    });
    this.maskFeatures = this.registerModule("mask_features", new NormedConv2d(convDim, maskDim, 3, { groups: null, relu: false }));
  }

  /** The per-pixel embeddings (N, maskDim, H/s, W/s) at the finest input's stride s. */
  forward(features: Tensor[]): Tensor {
    if (features.length !== this.#layers.length) throw new RangeError(`BasePixelDecoder: expected ${this.#layers.length} feature maps, got ${features.length}`);
    let y: Tensor | null = null;
    for (let i = features.length - 1; i >= 0; i--) {
      const adapter = this.#adapters[i];
      const x: Tensor = adapter === null ? features[i] : adapter.call(features[i]).add(nn.functional.interpolate(y!, { size: features[i].shape.slice(2), mode: "nearest" }));
      y = this.#layers[i].call(x);
    }
    return this.maskFeatures.call(y!);
  }
}
