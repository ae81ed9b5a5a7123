// A stage of the hierarchical backbones laid out as timm's MetaFormer and ConvNeXt: an optional
// downsampling ("downsample", absent in the first stage) and then the blocks ("blocks"); and the
// stem-then-stages pass that returns every stage's output.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import type { TensorModule } from "./conv-norm-act.js";

export class DownsampleStage extends nn.Module {
  readonly downsample: TensorModule | null;
  readonly blocks: nn.Sequential;

  constructor(downsample: TensorModule | null, blocks: nn.Module[]) {
    super();
    this.downsample = downsample ? this.registerModule("downsample", downsample) : null;
    this.blocks = this.registerModule("blocks", new nn.Sequential(...blocks));
  }

  forward(x: Tensor): Tensor {
    return this.blocks.call(this.downsample ? this.downsample.call(x) : x);
  }
}

/** The stem, then each stage in turn; returns the stage outputs. */
export function stageOutputs(stem: TensorModule, stages: Iterable<DownsampleStage>, x: Tensor): Tensor[] {
  const outputs: Tensor[] = [];
  let h = stem.call(x);
  for (const stage of stages) outputs.push((h = stage.call(h)));
  return outputs;
}
