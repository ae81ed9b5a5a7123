// The non-local block (Wang et al. 2018, "Non-local Neural Networks") in mmcv's NonLocal2d layout:
// 1×1 projections g, theta, phi to in/reduction channels (convs with bias), pairwise weights between
// every two positions, and conv_out (conv + BN) added back to the input. Two of its pairwise
// functions: "embedded_gaussian" (softmax of θᵀφ, scaled by 1/√channels with useScale) and
// "dot_product" (θᵀφ divided by the number of positions).
import type { Tensor } from "@segkit/torch";
import { nn } from "@segkit/torch";
import { ConvBnAct } from "./conv-bn-act.js";

export type NonLocalMode = "embedded_gaussian" | "dot_product";

export interface NonLocalOptions {
  /** Default 2. */
  reduction?: number;
  /** Default true. */
  useScale?: boolean;
  /** Default "embedded_gaussian". */
  mode?: NonLocalMode;
}

export class NonLocal2d extends nn.Module {
  readonly g: ConvBnAct;
  readonly conv_out: ConvBnAct;
  readonly theta: ConvBnAct;
  readonly phi: ConvBnAct;
  readonly #mode: NonLocalMode;
  readonly #useScale: boolean;

  constructor(channels: number, { reduction = 2, useScale = true, mode = "embedded_gaussian" }: NonLocalOptions = {}) {
    super();
    if (mode !== "embedded_gaussian" && mode !== "dot_product") {
      throw new RangeError(`NonLocal2d: mode must be "embedded_gaussian" or "dot_product", got ${JSON.stringify(mode)}`);
    }
    const inter = Math.max(Math.floor(channels / reduction), 1);
    const projection = (): ConvBnAct => new ConvBnAct(channels, inter, 1, { norm: false, act: null });
    this.g = this.registerModule("g", projection());
    this.conv_out = this.registerModule("conv_out", new ConvBnAct(inter, channels, 1, { act: null }));
    this.theta = this.registerModule("theta", projection());
    this.phi = this.registerModule("phi", projection());
    this.#mode = mode;
    this.#useScale = useScale;
  }

  forward(x: Tensor): Tensor {
    const [n, , h, w] = x.shape;
    const g = this.g.call(x).flatten(2).transpose(1, 2);
    const theta = this.theta.call(x).flatten(2).transpose(1, 2);
    const phi = this.phi.call(x).flatten(2);
    let pairwise = theta.matmul(phi);
    if (this.#mode === "dot_product") pairwise = pairwise.div(pairwise.shape.at(-1)!);
    else pairwise = (this.#useScale ? pairwise.div(Math.sqrt(theta.shape.at(-1)!)) : pairwise).softmax(-1);
    const y = pairwise.matmul(g).transpose(1, 2).reshape([n, -1, h, w]);
    return x.add(this.conv_out.call(y));
  }
}
