// The backbone seam: an image in, feature maps out (finest first), with their channels and strides.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export abstract class Backbone extends nn.Module {
  /** Channels of each output feature map. */
  abstract readonly outChannels: number[];
  /** Stride (input size / feature size) of each output feature map. */
  abstract readonly strides: number[];
  abstract override forward(x: Tensor): Tensor[];
}
