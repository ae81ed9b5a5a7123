// VGG-16 and VGG-16-BN in torchvision's layout ("features.N": conv, [bn], relu, ..., maxpool), without
// the classifier. Returns the output of each max-pool (strides 2..32); `widths` shrinks it for tests.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";

const VGG16_STAGES = [2, 2, 3, 3, 3];

export interface VGGOptions {
  batchNorm?: boolean;
  widths?: number[];
  inChannels?: number;
}

export class VGG16 extends Backbone {
  readonly features: nn.Sequential;
  readonly outChannels: number[];
  readonly strides = [2, 4, 8, 16, 32];
  /** Index in `features` of each max-pool. */
  readonly #poolAt: number[] = [];

  constructor({ batchNorm = false, widths = [64, 128, 256, 512, 512], inChannels = 3 }: VGGOptions = {}) {
    super();
    if (widths.length !== 5) throw new RangeError(`VGG16: widths must list 5 stage widths, got ${widths.length}`);
    this.features = this.registerModule("features", new nn.Sequential());
    let cin = inChannels;
    VGG16_STAGES.forEach((convs, stage) => {
      for (let i = 0; i < convs; i++) {
        this.features.append(new nn.Conv2d(cin, widths[stage], 3, { padding: 1 }));
        if (batchNorm) this.features.append(new nn.BatchNorm2d(widths[stage]));
        this.features.append(new nn.ReLU());
        cin = widths[stage];
      }
      this.#poolAt.push(this.features.length);
      this.features.append(new nn.MaxPool2d(2));
    });
    this.outChannels = [...widths];
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = x;
    [...this.features].forEach((layer, i) => {
      h = (layer as nn.Sequential).call(h);
      if (this.#poolAt.includes(i)) outs.push(h);
    });
    return outs;
  }
}
