// The backbone seam: an image in, feature maps out (finest first), with their channels and strides.
// Also mmsegmentation's frozenStages, shared by the backbones that take it.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Refuses a frozenStages outside -1..max, naming the key and the range. */
export function checkFrozenStages(frozenStages: number, max: number, who: string): void {
  if (!(Number.isInteger(frozenStages) && frozenStages >= -1 && frozenStages <= max)) {
    throw new RangeError(`${who}: frozenStages must be an integer from -1 to ${max}, got ${frozenStages}`);
  }
}

export abstract class Backbone extends nn.Module {
  /** Channels of each output feature map. */
  abstract readonly outChannels: number[];
  /** Stride (input size / feature size) of each output feature map. */
  abstract readonly strides: number[];
  readonly #frozen: nn.Module[] = [];
  abstract override forward(x: Tensor): Tensor[];

  /** Freezes modules as mmsegmentation's frozenStages does: requiresGrad false, kept in eval mode (BatchNorm statistics fixed) when training. */
  protected freeze(modules: nn.Module[]): void {
    for (const m of modules) m.requiresGrad_(false).eval();
    this.#frozen.push(...modules);
  }

  /** Frozen stages stay in eval mode (mmsegmentation's backbones' train). */
  override train(on = true): this {
    super.train(on);
    for (const m of this.#frozen) m.eval();
    return this;
  }
}
