// The transformer block's feed-forward part as timm's Mlp holds it: fc1 → GELU → dropout → fc2 → dropout.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class Mlp extends nn.Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  readonly #act = new nn.GELU();
  readonly #drop: nn.Dropout;

  constructor(dim: number, hidden: number, drop = 0) {
    super();
    this.fc1 = this.registerModule("fc1", new nn.Linear(dim, hidden));
    this.fc2 = this.registerModule("fc2", new nn.Linear(hidden, dim));
    this.#drop = this.registerModule("drop", new nn.Dropout(drop));
  }

  forward(x: Tensor): Tensor {
    return this.#drop.call(this.fc2.call(this.#drop.call(this.#act.call(this.fc1.call(x)))));
  }
}
