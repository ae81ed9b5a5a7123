// PIDNet's parallel aggregation pyramid pooling (PAPPM): DAPPM's scales, each added to the unpooled
// one and refined together by one grouped 3×3 pre-activation conv (4 groups) instead of in sequence.
import * as torch from "@segkit/torch";
import type { nn, Tensor } from "@segkit/torch";
import { PyramidPooling, preActConv } from "../ddrnet/pyramid-pooling.js";

export class PAPPM extends PyramidPooling {
  readonly scale_process: nn.Sequential;

  constructor(inChannels: number, branchChannels: number, outChannels: number) {
    super(inChannels, branchChannels, outChannels);
    this.scale_process = this.registerModule("scale_process", preActConv(4 * branchChannels, 4 * branchChannels, 3, { groups: 4 }));
  }

  protected mix(unpooled: Tensor, pooled: Tensor[]): Tensor[] {
    return [unpooled, this.scale_process.call(torch.cat(pooled.map((p) => p.add(unpooled)), 1))];
  }
}
