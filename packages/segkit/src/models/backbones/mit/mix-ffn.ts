// Mix-FFN (SegFormer §3.1): Linear → 3×3 depthwise conv on the token grid → GELU → Linear. The
// depthwise conv's zero padding leaks position into the tokens, which is why MiT needs no position
// embedding. Keys as Hugging Face's SegformerMixFFN: "dense1", "dwconv.dwconv", "dense2".
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";

class DepthwiseConv extends nn.Module {
  readonly dwconv: nn.Conv2d;

  constructor(channels: number) {
    super();
    this.dwconv = this.registerModule("dwconv", new nn.Conv2d(channels, channels, 3, { padding: 1, groups: channels }));
  }

  forward(tokens: Tensor, size: number[]): Tensor {
    return toTokens(this.dwconv.call(toFeatureMap(tokens, size)));
  }
}

export class MixFFN extends nn.Module {
  readonly dense1: nn.Linear;
  readonly dwconv: DepthwiseConv;
  readonly activation = this.registerModule("activation", new nn.GELU());
  readonly dense2: nn.Linear;

  constructor(channels: number, hiddenChannels: number) {
    super();
    this.dense1 = this.registerModule("dense1", new nn.Linear(channels, hiddenChannels));
    this.dwconv = this.registerModule("dwconv", new DepthwiseConv(hiddenChannels));
    this.dense2 = this.registerModule("dense2", new nn.Linear(hiddenChannels, channels));
  }

  forward(x: Tensor, size: number[]): Tensor {
    return this.dense2.call(this.activation.call(this.dwconv.call(this.dense1.call(x), size)));
  }
}
