// K-Net's kernel updator (Zhang et al. 2021, Eq. 4-5; mmsegmentation's KernelUpdator with its
// defaults: sigmoid gates, no gate norm, no output activation, LayerNorms): the features each kernel
// gathered and the kernel itself gate each other, then a linear layer + LayerNorm + ReLU. Keys as mmseg's.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class KernelUpdator extends nn.Module {
  readonly dynamic_layer: nn.Linear;
  readonly input_layer: nn.Linear;
  readonly input_gate: nn.Linear;
  readonly update_gate: nn.Linear;
  readonly norm_in: nn.LayerNorm;
  readonly norm_out: nn.LayerNorm;
  readonly input_norm_in: nn.LayerNorm;
  readonly input_norm_out: nn.LayerNorm;
  readonly fc_layer: nn.Linear;
  readonly fc_norm: nn.LayerNorm;

  /** `channels`: the width of the kernels it updates (mmseg's in = feat = out channels of the configs). */
  constructor(readonly channels: number) {
    super();
    const c = channels;
    this.dynamic_layer = this.registerModule("dynamic_layer", new nn.Linear(c, 2 * c));
    this.input_layer = this.registerModule("input_layer", new nn.Linear(c, 2 * c));
    this.input_gate = this.registerModule("input_gate", new nn.Linear(c, c));
    this.update_gate = this.registerModule("update_gate", new nn.Linear(c, c));
    this.norm_in = this.registerModule("norm_in", new nn.LayerNorm(c));
    this.norm_out = this.registerModule("norm_out", new nn.LayerNorm(c));
    this.input_norm_in = this.registerModule("input_norm_in", new nn.LayerNorm(c));
    this.input_norm_out = this.registerModule("input_norm_out", new nn.LayerNorm(c));
    this.fc_layer = this.registerModule("fc_layer", new nn.Linear(c, c));
    this.fc_norm = this.registerModule("fc_norm", new nn.LayerNorm(c));
  }

  /**
   * `gathered` (…, C) and `kernels` (…, K², C) of C a multiple of `channels`: both are cut into rows
   * of `channels` (as mmseg reshapes them); returns (rows, K², channels).
   */
  forward(gathered: Tensor, kernels: Tensor): Tensor {
    const c = this.channels;
    const update = gathered.reshape([-1, c]);
    const rows = update.shape[0];
    const [paramIn, paramOut] = this.dynamic_layer.call(update).chunk(2, -1);
    const [inputIn, inputOut] = this.input_layer.call(kernels.reshape([rows, -1, c])).chunk(2, -1);
    const gate = inputIn.mul(paramIn.unsqueeze(-2));
    const inputGate = this.input_norm_in.call(this.input_gate.call(gate)).sigmoid();
    const updateGate = this.norm_in.call(this.update_gate.call(gate)).sigmoid();
    const features = updateGate.mul(this.norm_out.call(paramOut).unsqueeze(-2)).add(inputGate.mul(this.input_norm_out.call(inputOut)));
    return this.fc_norm.call(this.fc_layer.call(features)).relu();
  }
}
