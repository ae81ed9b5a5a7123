// One of W-Net's two U-Nets (Xia & Kulis 2017, Sec. 3.1 and Fig. 1): 9 modules of two 3×3
// convolutions, each followed by ReLU and batch normalization (the paper's order); the first and last
// modules use regular convolutions, the 7 between depthwise-separable ones; 2×2 max-pooling down,
// 2×2 stride-2 transposed convolutions up with the skips concatenated, and a 1×1 output conv.
// Keys: "blocks.N" (module N+1), "upconvs.N", "output".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** A depthwise 3×3 conv then a pointwise 1×1 conv: one separable convolution layer. */
class SeparableConv3x3 extends nn.Sequential {
  constructor(cin: number, cout: number) {
    super(new nn.Conv2d(cin, cin, 3, { padding: 1, groups: cin }), new nn.Conv2d(cin, cout, 1));
  }
}

/** A W-Net module: two (conv → ReLU → BN), the convs regular or separable. */
export class WNetModule extends nn.Sequential {
  constructor(cin: number, cout: number, separable: boolean) {
    super();
    for (const from of [cin, cout]) {
      this.append(separable ? new SeparableConv3x3(from, cout) : new nn.Conv2d(from, cout, 3, { padding: 1 }));
      this.append(new nn.ReLU({ inplace: true }));
      this.append(new nn.BatchNorm2d(cout));
    }
  }
}

export class WNetUNet extends nn.Module {
  readonly blocks: nn.ModuleList<WNetModule>;
  readonly upconvs: nn.ModuleList<nn.ConvTranspose2d>;
  readonly output: nn.Conv2d;

  /** `widths` per level, coarsest last (the paper's 64…1024: 5 levels, 9 modules). */
  constructor(inChannels: number, outChannels: number, widths: number[]) {
    super();
    const levels = widths.length;
    const last = 2 * levels - 2;
    const down = widths.map((w, i) => new WNetModule(i === 0 ? inChannels : widths[i - 1], w, i !== 0));
    const up = widths.slice(0, -1).reverse().map((w, i) => new WNetModule(2 * w, w, levels + i !== last));
    this.blocks = this.registerModule("blocks", new nn.ModuleList([...down, ...up]));
    this.upconvs = this.registerModule("upconvs", new nn.ModuleList(widths.slice(0, -1).reverse().map((w, i) => new nn.ConvTranspose2d(widths[levels - 1 - i], w, 2, { stride: 2 }))));
    this.output = this.registerModule("output", new nn.Conv2d(widths[0], outChannels, 1));
  }

  forward(x: Tensor): Tensor {
    const levels = this.upconvs.length + 1;
    const skips: Tensor[] = [];
    let h = x;
    for (let i = 0; i < levels; i++) {
      if (i > 0) h = torch.maxPool2d(h, [2, 2]);
      h = this.blocks.at(i).call(h);
      skips.push(h);
    }
    for (let i = 0; i < levels - 1; i++) {
      const skip = skips[levels - 2 - i];
      h = this.blocks.at(levels + i).call(torch.cat([skip, this.upconvs.at(i).call(h)], 1));
    }
    return this.output.call(h);
  }
}
