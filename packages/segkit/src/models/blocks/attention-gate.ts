// Additive attention gate (Oktay et al. 2018, Attention U-Net): the decoder signal g and the skip x
// are projected to `inter` channels, summed, ReLU, projected to one sigmoid map that scales x.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { ConvNormAct } from "./conv-norm-act.js";

export class AttentionGate extends nn.Module {
  readonly W_g: ConvNormAct;
  readonly W_x: ConvNormAct;
  readonly psi: ConvNormAct;

  constructor(gateChannels: number, skipChannels: number, inter: number) {
    super();
    this.W_g = this.registerModule("W_g", new ConvNormAct(gateChannels, inter, 1, { act: null }));
    this.W_x = this.registerModule("W_x", new ConvNormAct(skipChannels, inter, 1, { act: null }));
    this.psi = this.registerModule("psi", new ConvNormAct(inter, 1, 1, { act: "sigmoid" }));
  }

  /** The skip `x` weighted by attention computed from `g` (same spatial size). */
  forward(g: Tensor, x: Tensor): Tensor {
    return x.mul(this.psi.call(this.W_g.call(g).add(this.W_x.call(x)).relu()));
  }
}
