// SAM's two-layer feed-forward block (keys lin1, lin2): GELU in the image encoder, ReLU in the
// mask decoder's two-way transformer.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class MLPBlock extends nn.Module {
  readonly lin1: nn.Linear;
  readonly lin2: nn.Linear;

  constructor(dim: number, hidden: number, readonly act: nn.Module & { forward(x: Tensor): Tensor }) {
    super();
    this.lin1 = this.registerModule("lin1", new nn.Linear(dim, hidden));
    this.lin2 = this.registerModule("lin2", new nn.Linear(hidden, dim));
  }

  forward(x: Tensor): Tensor {
    return this.lin2.call(this.act.call(this.lin1.call(x)));
  }
}
