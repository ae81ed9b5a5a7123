// The ResNet of the R50+ViT hybrid (Dosovitskiy et al. 2021, section 3.1; timm's ResNetV2 with
// preact=False and stem_type "same", and TransUNet's ResNetV2): a 7×7 stride-2 stem conv with GN and
// ReLU, a 3×3 stride-2 max pool, then stages of bottlenecks (the first at stride 1, the others 2),
// with no final norm. Outputs: the stem (stride 2, before the pool) and each stage.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { Backbone } from "../backbone.js";
import { checkWidth } from "../../blocks/check-width.js";
import { Bottleneck, LAYOUT_NUMERICS, RESNETV2_LAYOUTS, layoutConv, type ResNetV2Layout } from "./bottleneck.js";
import { padSame } from "./same-padding.js";

export interface ResNetV2Options {
  /** Blocks per stage: [3, 4, 9] in the hybrid (timm builds the R50's first three stages). */
  layers: number[];
  /** Output channels per stage (default 256, 512, 1024, …); a block's middle width is a quarter. */
  channels?: number[];
  stemChannels?: number;
  inChannels?: number;
  layout?: ResNetV2Layout;
}

export const RESNETV2_OPTIONS = ["layers", "channels", "stemChannels", "inChannels", "layout"];

export class ResNetV2 extends Backbone {
  readonly outChannels: number[];
  readonly strides: number[];
  readonly layout: ResNetV2Layout;
  readonly #stemConv: nn.Module & { forward(x: Tensor): Tensor };
  readonly #stemNorm: nn.GroupNorm;
  readonly #stages: Bottleneck[][];

  constructor({ layers, channels = layers.map((_, i) => 256 * 2 ** i), stemChannels = 64, inChannels = 3, layout = "timm" }: ResNetV2Options) {
    super();
    if (!RESNETV2_LAYOUTS.includes(layout)) throw new RangeError(`ResNetV2: layout must be one of ${RESNETV2_LAYOUTS.join(", ")}, got ${JSON.stringify(layout)}`);
    if (!Array.isArray(layers) || layers.length === 0 || channels.length !== layers.length) {
      throw new RangeError(`ResNetV2: layers and channels must list the same stages, got ${JSON.stringify(layers)} and ${JSON.stringify(channels)}`);
    }
    layers.forEach((n) => checkWidth("ResNetV2", "layers", n));
    checkWidth("ResNetV2", "stemChannels", stemChannels);
    this.layout = layout;
    this.outChannels = [stemChannels, ...channels];
    this.strides = [2, ...layers.map((_, i) => 4 * 2 ** i)];
    const timm = layout === "timm";
    const stemConv = layoutConv(layout, inChannels, stemChannels, 7, 2);
    const stemNorm = new nn.GroupNorm(32, stemChannels, { eps: LAYOUT_NUMERICS[layout].normEps });
    this.registerModule(timm ? "stem" : "root", new nn.ModuleDict(timm ? { conv: stemConv, norm: stemNorm } : { conv: stemConv, gn: stemNorm }));
    this.#stemConv = stemConv;
    this.#stemNorm = stemNorm;
    let cin = stemChannels;
    this.#stages = layers.map((depth, s) => {
      const cout = channels[s];
      const blocks = Array.from({ length: depth }, (_, b) => new Bottleneck(b === 0 ? cin : cout, cout, cout / 4, b === 0 && s > 0 ? 2 : 1, b === 0, layout));
      cin = cout;
      return blocks;
    });
    // timm: stages.S.blocks.B; TransUNet: body.block<S+1>.unit<B+1>.
    this.registerModule(timm ? "stages" : "body", timm
      ? new nn.ModuleList(this.#stages.map((blocks) => new nn.ModuleDict({ blocks: new nn.ModuleList(blocks) })))
      : new nn.ModuleDict(this.#stages.map((blocks, s): [string, nn.Module] => ["block" + (s + 1), new nn.ModuleDict(blocks.map((b, i): [string, nn.Module] => ["unit" + (i + 1), b]))])));
  }

  forward(x: Tensor): Tensor[] {
    if (x.ndim !== 4) throw new RangeError(`ResNetV2: expected an image batch (N, C, H, W), got [${x.shape.join(", ")}]`);
    const stem = this.#stemNorm.call(this.#stemConv.call(x)).relu();
    // timm pads the pool SAME with -inf; TransUNet pools unpadded (a 2k-sided stem map gives k − 1 rows).
    let h = torch.maxPool2d(this.layout === "timm" ? padSame(stem, 3, 2, -Infinity) : stem, 3, 2, 0);
    const outputs = [stem];
    for (const blocks of this.#stages) {
      for (const block of blocks) h = block.call(h);
      outputs.push(h);
    }
    return outputs;
  }
}
