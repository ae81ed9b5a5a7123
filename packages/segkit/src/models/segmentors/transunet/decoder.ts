// TransUNet's cascaded upsampler (the authors' DecoderCup, keys decoder.conv_more and
// decoder.blocks.N.conv1/conv2, each conv-BN-ReLU as "0"/"1"/"2"): a 3×3 conv from the token width to
// headChannels, then blocks that upsample ×2 (bilinear, align_corners true), concatenate the skip of that
// stride when there is one, and apply two 3×3 conv-BN-ReLUs.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "../../blocks/conv-norm-act.js";

class DecoderBlock extends nn.Module {
  readonly conv1: ConvNormAct;
  readonly conv2: ConvNormAct;

  constructor(inChannels: number, outChannels: number, skipChannels: number) {
    super();
    this.conv1 = this.registerModule("conv1", new ConvNormAct(inChannels + skipChannels, outChannels, 3));
    this.conv2 = this.registerModule("conv2", new ConvNormAct(outChannels, outChannels, 3));
  }

  forward(x: Tensor, skip: Tensor | null): Tensor {
    const [h, w] = x.shape.slice(2);
    const up = torch.upsampleBilinear2d(x, [2 * h, 2 * w], true);
    return this.conv2.call(this.conv1.call(skip ? torch.cat([up, skip], 1) : up));
  }
}

export class DecoderCup extends nn.Module {
  readonly conv_more: ConvNormAct;
  readonly blocks: nn.ModuleList<DecoderBlock>;

  /** `skipChannels[i]`: channels concatenated in block i (0: none). */
  constructor(inChannels: number, headChannels: number, decoderChannels: number[], skipChannels: number[]) {
    super();
    this.conv_more = this.registerModule("conv_more", new ConvNormAct(inChannels, headChannels, 3));
    const ins = [headChannels, ...decoderChannels.slice(0, -1)];
    this.blocks = this.registerModule("blocks", new nn.ModuleList(decoderChannels.map((c, i) => new DecoderBlock(ins[i], c, skipChannels[i]))));
  }

  /** `skips[i]`: the map concatenated in block i, or null. */
  forward(x: Tensor, skips: (Tensor | null)[]): Tensor {
    let h = this.conv_more.call(x);
    [...this.blocks].forEach((block, i) => {
      h = block.call(h, skips[i]);
    });
    return h;
  }
}
