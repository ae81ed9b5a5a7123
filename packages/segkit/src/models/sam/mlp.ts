// The mask decoder's MLP heads (keys layers.0..N-1): Linear layers with ReLU between them, used for
// the hypernetwork that turns each mask token into mask weights and for the IoU prediction head.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class MLP extends nn.Module {
  readonly layers: nn.ModuleList<nn.Linear>;

  constructor(inDim: number, hidden: number, outDim: number, numLayers: number) {
    super();
    const widths = [inDim, ...Array<number>(numLayers - 1).fill(hidden), outDim];
    this.layers = this.registerModule("layers", new nn.ModuleList(widths.slice(1).map((w, i) => new nn.Linear(widths[i], w))));
  }

  forward(x: Tensor): Tensor {
    const last = this.layers.length - 1;
    return [...this.layers].reduce((h, layer, i) => (i < last ? torch.relu(layer.call(h)) : layer.call(h)), x);
  }
}
