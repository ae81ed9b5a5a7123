// The classic U-Net (Ronneberger et al. 2015) with same-padding, in the peer's layout: `downs` (two
// 3×3 conv-BN-ReLU per stage, 2×2 max-pool between), `upconvs` (2×2 stride-2 transposed convs),
// `ups` (two 3×3 conv-BN-ReLU on the concatenated skip), `head` (1×1 classifier). With `attention`,
// each skip passes an attention gate driven by the upsampled decoder signal first (Attention U-Net).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { DoubleConv } from "../../blocks/double-conv.js";
import { AttentionGate } from "../../blocks/attention-gate.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";

export interface UNetOptions extends Omit<SegmentorOptions, "divisor"> {
  widths?: number[];
  inChannels?: number;
  /** Attention gates on the skips (Attention U-Net). */
  attention?: boolean;
}

export class UNet extends Segmentor {
  readonly downs: nn.ModuleList<DoubleConv>;
  readonly upconvs: nn.ModuleList<nn.ConvTranspose2d>;
  readonly ups: nn.ModuleList<DoubleConv>;
  readonly head: nn.Conv2d;
  readonly gates: nn.ModuleList<AttentionGate> | null;
  /** Channels of the bottleneck, the encoder's last map. */
  readonly bottleneckChannels: number;

  constructor({ widths = [64, 128, 256, 512, 1024], inChannels = 3, attention = false, ...common }: UNetOptions) {
    super({ ...common, divisor: 2 ** (widths.length - 1) });
    this.bottleneckChannels = widths[widths.length - 1];
    this.downs = this.registerModule("downs", new nn.ModuleList());
    let cin = inChannels;
    for (const w of widths) {
      this.downs.append(new DoubleConv(cin, w));
      cin = w;
    }
    this.ups = this.registerModule("ups", new nn.ModuleList());
    this.upconvs = this.registerModule("upconvs", new nn.ModuleList());
    for (const w of widths.slice(0, -1).reverse()) {
      this.upconvs.append(new nn.ConvTranspose2d(cin, w, 2, { stride: 2 }));
      this.ups.append(new DoubleConv(2 * w, w));
      cin = w;
    }
    this.head = this.registerModule("head", new nn.Conv2d(cin, this.numClasses, 1));
    this.gates = attention
      ? this.registerModule("gates", new nn.ModuleList(widths.slice(0, -1).reverse().map((w) => new AttentionGate(w, w, Math.max(1, w >> 1)))))
      : null;
  }

  /** The encoder's maps from full resolution to the bottleneck (the last). */
  encode(x: Tensor): Tensor[] {
    this.checkImage(x);
    const maps: Tensor[] = [];
    let h = x;
    for (const [i, down] of [...this.downs].entries()) {
      h = down.call(h);
      maps.push(h);
      if (i < this.downs.length - 1) h = torch.maxPool2d(h, [2, 2]);
    }
    return maps;
  }

  /** The decoder's full-resolution features (before the head) from the encoder's maps. */
  decode(maps: Tensor[]): Tensor {
    const skips = maps.slice(0, -1);
    let h = maps.at(-1)!;
    for (const [i, up] of [...this.ups].entries()) {
      const g = this.upconvs.at(i).call(h);
      const skip = skips[skips.length - 1 - i];
      h = up.call(torch.cat([this.gates ? this.gates.at(i).call(g, skip) : skip, g], 1));
    }
    return h;
  }

  forward(x: Tensor): Tensor {
    return this.head.call(this.decode(this.encode(x)));
  }
}
