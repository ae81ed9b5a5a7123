// A convolutional GRU cell (Ballas et al. 2016's ConvGRU; GRUU-Net's refinement unit): the update
// and reset gates and the candidate state are 3×3 convolutions over the input and the hidden state,
//   z, r = σ(W_zr ∗ [x, h]),  ĥ = tanh(W_h ∗ [x, r ⊙ h]),  h' = (1 − z) ⊙ h + z ⊙ ĥ.
// Keys: "gates" (2 × hidden channels: z then r), "candidate".
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class ConvGRUCell extends nn.Module {
  readonly gates: nn.Conv2d;
  readonly candidate: nn.Conv2d;
  readonly hiddenChannels: number;

  constructor(inputChannels: number, hiddenChannels: number) {
    super();
    this.hiddenChannels = hiddenChannels;
    this.gates = this.registerModule("gates", new nn.Conv2d(inputChannels + hiddenChannels, 2 * hiddenChannels, 3, { padding: 1 }));
    this.candidate = this.registerModule("candidate", new nn.Conv2d(inputChannels + hiddenChannels, hiddenChannels, 3, { padding: 1 }));
  }

  /** The next hidden state from input `x` and hidden state `h` (same size). */
  forward(x: Tensor, h: Tensor): Tensor {
    const gates = this.gates.call(torch.cat([x, h], 1)).sigmoid();
    const [z, r] = [gates.slice(1, 0, this.hiddenChannels), gates.slice(1, this.hiddenChannels, 2 * this.hiddenChannels)];
    const proposal = this.candidate.call(torch.cat([x, r.mul(h)], 1)).tanh();
    return h.add(z.mul(proposal.sub(h)));
  }
}
