// PIDNet's fusions. Pixel-attention-guided fusion (PAG) lets the P branch take integral (context)
// features where the two agree; boundary-attention-guided fusion (Bag, and Light-Bag for S/M)
// weighs detail against context by the D branch's sigmoid: detail at boundaries, context elsewhere.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { resize, spatial } from "../../blocks/resize.js";
import { convBn } from "../ddrnet/layers.js";
import { preActConv } from "../ddrnet/pyramid-pooling.js";

const conv1x1Bn = (cin: number, cout: number): nn.Sequential => new nn.Sequential(...convBn(cin, cout, 1));

/** PAG: σ(Σ_c f_x(p) · f_y(i)↑) per pixel mixes p with the upsampled i. */
export class PagFM extends nn.Module {
  readonly f_x: nn.Sequential;
  readonly f_y: nn.Sequential;

  constructor(channels: number, midChannels: number) {
    super();
    this.f_x = this.registerModule("f_x", conv1x1Bn(channels, midChannels));
    this.f_y = this.registerModule("f_y", conv1x1Bn(channels, midChannels));
  }

  forward(p: Tensor, i: Tensor): Tensor {
    const size = spatial(p);
    const sim = this.f_x.call(p).mul(resize(this.f_y.call(i), size)).sum(1, true).sigmoid();
    return p.mul(sim.rsub(1)).add(resize(i, size).mul(sim));
  }
}

/** Light-Bag: conv_p((1 − σ(d))·i + p) + conv_i(i + σ(d)·p), 1×1 conv-BN each. */
export class LightBag extends nn.Module {
  readonly conv_p: nn.Sequential;
  readonly conv_i: nn.Sequential;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv_p = this.registerModule("conv_p", conv1x1Bn(inChannels, outChannels));
    this.conv_i = this.registerModule("conv_i", conv1x1Bn(inChannels, outChannels));
  }

  forward(p: Tensor, i: Tensor, d: Tensor): Tensor {
    const edge = d.sigmoid();
    return this.conv_p.call(edge.rsub(1).mul(i).add(p)).add_(this.conv_i.call(i.add(edge.mul(p))));
  }
}

/** Bag (PIDNet-L): BN-ReLU-3×3 conv of σ(d)·p + (1 − σ(d))·i. */
export class Bag extends nn.Module {
  readonly conv: nn.Sequential;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.registerModule("conv", preActConv(inChannels, outChannels, 3));
  }

  forward(p: Tensor, i: Tensor, d: Tensor): Tensor {
    const edge = d.sigmoid();
    return this.conv.call(edge.mul(p).add(edge.rsub(1).mul(i)));
  }
}
