// MobileNetV2 (Sandler et al. 2018) in torchvision's layout ("features.N", blocks with "conv":
// [expand 1×1]? → depthwise 3×3 → project 1×1 → BN), ReLU6 throughout, without the classifier.
// Returns the last layer of each stride (4, 8, 16, 32) by default.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone, checkFrozenStages } from "../backbone.js";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";

// [expansion t, channels c, repeats n, stride s] after a 32-channel stem.
const SETTINGS = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];

class InvertedResidualV2 extends nn.Module {
  readonly conv: nn.Sequential;
  readonly residual: boolean;

  constructor(cin: number, cout: number, stride: number, expansion: number) {
    super();
    const hidden = cin * expansion;
    this.residual = stride === 1 && cin === cout;
    this.conv = this.registerModule("conv", new nn.Sequential());
    if (expansion !== 1) this.conv.append(new ConvNormAct(cin, hidden, 1, { act: "relu6" }));
    this.conv.append(new ConvNormAct(hidden, hidden, 3, { stride, groups: hidden, act: "relu6" }));
    this.conv.append(new nn.Conv2d(hidden, cout, 1, { bias: false }));
    this.conv.append(new nn.BatchNorm2d(cout));
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.call(x);
    return this.residual ? y.add_(x) : y;
  }
}

export class MobileNetV2 extends Backbone {
  readonly features: nn.Sequential;
  readonly outChannels: number[];
  readonly strides: number[];
  readonly outIndices: number[];

  /**
   * frozenStages as mmsegmentation's MobileNetV2 (-1..6): N >= 0 freezes its conv1 and layer1..layerN.
   * Its arch_settings stages hold [1, 2, 3, 4, 3, 3, 1] blocks after conv1, so in torchvision's layout
   * conv1 is features.0 and layerN ends at features.(1 + blocks of layer1..N - 1); layer7 and the final
   * 1×1 conv (features.17, 18) are never frozen. Unlike mmseg, conv1 is kept in eval too (its BatchNorm
   * statistics stay fixed), as in mmseg's ResNet and MobileNetV3.
   */
  constructor({ outIndices, frozenStages = -1 }: { outIndices?: number[]; frozenStages?: number } = {}) {
    super();
    checkFrozenStages(frozenStages, SETTINGS.length - 1, "MobileNetV2");
    this.features = this.registerModule("features", new nn.Sequential(new ConvNormAct(3, 32, 3, { stride: 2, act: "relu6" })));
    const channels = [32];
    const strides = [2];
    for (const [t, c, n, s] of SETTINGS) {
      for (let i = 0; i < n; i++) {
        this.features.append(new InvertedResidualV2(channels.at(-1)!, c, i === 0 ? s : 1, t));
        channels.push(c);
        strides.push(strides.at(-1)! * (i === 0 ? s : 1));
      }
    }
    this.features.append(new ConvNormAct(320, 1280, 1, { act: "relu6" }));
    channels.push(1280);
    strides.push(32);
    // The last layer at each stride from 4 on.
    this.outIndices = outIndices ?? [4, 8, 16, 32].map((s) => strides.lastIndexOf(s));
    for (const i of this.outIndices) {
      if (!(i >= 0 && i < channels.length)) throw new RangeError(`MobileNetV2: outIndices entry ${i} is out of range 0..${channels.length - 1}`);
    }
    this.outChannels = this.outIndices.map((i) => channels[i]);
    this.strides = this.outIndices.map((i) => strides[i]);
    const frozenLayers = 1 + SETTINGS.slice(0, Math.max(frozenStages, 0)).reduce((sum, [, , n]) => sum + n, 0);
    if (frozenStages >= 0) this.freeze([...this.features].slice(0, frozenLayers));
  }

  forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    const last = Math.max(...this.outIndices);
    let h = x;
    [...this.features].slice(0, last + 1).forEach((layer, i) => {
      h = (layer as nn.Sequential).call(h);
      if (this.outIndices.includes(i)) outs[this.outIndices.indexOf(i)] = h;
    });
    return outs;
  }
}
