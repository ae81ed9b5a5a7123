// The encoding layer of EncNet (Zhang et al. 2018, "Context Encoding for Semantic Segmentation"), as
// mmsegmentation's Encoding: K learned codewords c_k with smoothing factors s_k; each feature x_i is
// softly assigned by softmax_k(s_k‖x_i − c_k‖²) and the residuals x_i − c_k are summed per codeword,
// giving (N, K, C).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class Encoding extends nn.Module {
  declare readonly codewords: Tensor;
  declare readonly scale: Tensor;

  constructor(channels: number, numCodes: number) {
    super();
    const std = 1 / Math.sqrt(numCodes * channels);
    // The reference's initialisation: codewords uniform in ±std, smoothing factors in [-1, 0).
    this.registerParameter("codewords", torch.tidy(() => torch.rand([numCodes, channels]).mul(2 * std).sub(std)));
    this.registerParameter("scale", torch.tidy(() => torch.rand([numCodes]).neg()));
  }

  forward(x: Tensor): Tensor {
    const [n, c] = x.shape;
    if (x.ndim !== 4 || c !== this.codewords.shape[1]) throw new RangeError(`Encoding: expected (N, ${this.codewords.shape[1]}, H, W), got [${x.shape.join(", ")}]`);
    const [k] = this.codewords.shape;
    // Reshapes rather than unsqueezes and a product rather than a power: ops the ONNX writer knows.
    const residuals = x.reshape([n, c, -1]).transpose(1, 2).reshape([n, -1, 1, c]).sub(this.codewords); // (N, HW, K, C)
    const assignment = residuals.mul(residuals).sum([3]).mul(this.scale).softmax(2); // (N, HW, K)
    return assignment.reshape([n, -1, k, 1]).mul(residuals).sum([1]);
  }
}
