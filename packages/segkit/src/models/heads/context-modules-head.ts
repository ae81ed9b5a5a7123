// What APCNet's and DMNet's heads share (mmsegmentation's APCHead and DMHead): one context module per
// scale, each reading the input; the input and every module's output are concatenated into a 3×3
// ConvModule "bottleneck", then dropout and "conv_seg". The modules' list has its own key per head.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvBnAct } from "../blocks/conv-bn-act.js";
import type { TensorModule } from "../blocks/conv-norm-act.js";
import { DecodeHead, type HeadOptions } from "./decode-head.js";

export abstract class ContextModulesHead extends DecodeHead {
  readonly bottleneck: ConvBnAct;
  readonly #modules: nn.ModuleList<TensorModule>;

  /** `key` names the modules' list in the state dict ("acm_modules", "dcm_modules"). */
  constructor(options: HeadOptions & { inChannels: number }, channels: number, key: string, modules: TensorModule[]) {
    super(options, -1);
    this.addClassifier(channels);
    this.#modules = this.registerModule(key, new nn.ModuleList(modules));
    this.bottleneck = this.registerModule("bottleneck", new ConvBnAct(options.inChannels + modules.length * channels, channels, 3));
  }

  forward(features: Tensor[]): Tensor {
    const x = this.input(features);
    return this.classify(this.bottleneck.call(torch.cat([x, ...[...this.#modules].map((m) => m.call(x))], 1)));
  }
}
