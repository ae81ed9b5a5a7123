// U-Net with a ResNet encoder (segmentation_models_pytorch's Unet): the decoder upsamples 2× and
// concatenates the encoder map of that stride (layer3, layer2, layer1, stem), two 3×3 conv-BN-ReLU
// per step, a last step to full resolution without skip, and a 3×3 classifier.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ResNet, type ResNetOptions } from "../../backbones/resnet/resnet.js";
import { DoubleConv } from "../../blocks/double-conv.js";
import { resize, spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

export interface ResNetUNetOptions extends Omit<SegmentorOptions, "divisor"> {
  depth?: ResNetOptions["depth"];
  decoderChannels?: number[];
}

export class ResNetUNet extends Segmentor {
  readonly encoder: ResNet;
  readonly blocks: nn.ModuleList<DoubleConv>;
  readonly head: nn.Conv2d;

  constructor({ depth = 34, decoderChannels = [256, 128, 64, 32, 16], ...common }: ResNetUNetOptions) {
    super({ ...common, divisor: 32 });
    if (decoderChannels.length !== 5) throw new RangeError(`ResNetUNet: decoderChannels must list 5 widths, got ${decoderChannels.length}`);
    this.encoder = this.registerModule("encoder", new ResNet({ depth, stemOutput: true }));
    // Skips from fine to coarse: stem, layer1, layer2, layer3 (layer4 is the decoder's input).
    const skips = this.encoder.outChannels.slice(0, -1).reverse().concat(0);
    let cin = this.encoder.outChannels.at(-1)!;
    this.blocks = this.registerModule("blocks", new nn.ModuleList(decoderChannels.map((c, i) => {
      const block = new DoubleConv(cin + skips[i], c);
      cin = c;
      return block;
    })));
    this.head = this.registerModule("head", new nn.Conv2d(cin, this.numClasses, 3, { padding: 1 }));
  }

  forward(x: Tensor): Tensor {
    this.checkImage(x);
    const features = this.encoder.call(x);
    const skips = [...features.slice(0, -1).reverse(), null];
    let h = features.at(-1)!;
    for (const [i, block] of [...this.blocks].entries()) {
      const skip = skips[i];
      const up = resize(h, skip ? spatial(skip) : spatial(x));
      h = block.call(skip ? torch.cat([up, skip], 1) : up);
    }
    return this.head.call(h);
  }
}
