// The deformable transformer encoder of Mask2Former's pixel decoder (MSDeformAttnTransformerEncoderOnly,
// keys level_embed, encoder.layers.i.*): post-norm layers of multi-scale deformable self-attention
// (every pixel of every level a query, its reference point its own centre) and a ReLU feed-forward;
// a learnt embedding per level is added to the sine positions.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { MSDeformAttn } from "./ms-deform-attn.js";

export interface DeformEncoderOptions {
  dModel: number;
  nHeads: number;
  nPoints: number;
  dimFeedforward: number;
  dropout: number;
  layers: number;
  nLevels: number;
}

class DeformEncoderLayer extends nn.Module {
  readonly selfAttn: MSDeformAttn;
  readonly norm1: nn.LayerNorm;
  readonly linear1: nn.Linear;
  readonly linear2: nn.Linear;
  readonly norm2: nn.LayerNorm;

  constructor(readonly o: DeformEncoderOptions) {
    super();
    this.selfAttn = this.registerModule("self_attn", new MSDeformAttn({ dModel: o.dModel, nLevels: o.nLevels, nHeads: o.nHeads, nPoints: o.nPoints }));
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(o.dModel));
    this.linear1 = this.registerModule("linear1", new nn.Linear(o.dModel, o.dimFeedforward));
    this.linear2 = this.registerModule("linear2", new nn.Linear(o.dimFeedforward, o.dModel));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(o.dModel));
  }

  forward(src: Tensor, pos: Tensor, referencePoints: Tensor, shapes: [number, number][]): Tensor {
    const drop = (x: Tensor) => nn.functional.dropout(x, this.o.dropout, this.training);
    const h = this.norm1.call(src.add(drop(this.selfAttn.call(src.add(pos), referencePoints, src, shapes))));
    return this.norm2.call(h.add(drop(this.linear2.call(drop(torch.relu(this.linear1.call(h)))))));
  }
}

/** Every pixel centre of the levels in [0, 1]² as (x, y): (1, S, levels, 2), the same point on every level (no padding). */
function referencePoints(shapes: [number, number][]): Tensor {
  return torch.tidy(() => {
    const perLevel = shapes.map(([h, w]) => {
      const y = torch.linspace(0.5, h - 0.5, h).div(h).view([h, 1]).expand([h, w]);
      const x = torch.linspace(0.5, w - 0.5, w).div(w).view([1, w]).expand([h, w]);
      return torch.stack([x.reshape([-1]), y.reshape([-1])], -1);
    });
    return torch.cat(perLevel, 0).view([1, -1, 1, 2]).expand([1, -1, shapes.length, 2]);
  });
}

/** The layers in turn (the authors' MSDeformAttnTransformerEncoder, keys layers.i). */
class LayerStack extends nn.Module {
  readonly layers: nn.ModuleList<DeformEncoderLayer>;

  constructor(o: DeformEncoderOptions) {
    super();
    this.layers = this.registerModule("layers", new nn.ModuleList(Array.from({ length: o.layers }, () => new DeformEncoderLayer(o))));
  }

  forward(src: Tensor, pos: Tensor, referencePoints: Tensor, shapes: [number, number][]): Tensor {
    return [...this.layers].reduce((h, layer) => layer.call(h, pos, referencePoints, shapes), src);
  }
}

export class DeformEncoder extends nn.Module {
  declare readonly level_embed: Tensor;
  readonly encoder: LayerStack;

  constructor(o: DeformEncoderOptions) {
    super();
    this.registerParameter("level_embed", nn.init.normal(torch.empty([o.nLevels, o.dModel])));
    this.encoder = this.registerModule("encoder", new LayerStack(o));
  }

  /** Level maps (N, C, h, w) and their sine positions, coarsest first: the encoded maps, same shapes. */
  forward(srcs: Tensor[], pos: Tensor[]): Tensor[] {
    const [n, c] = srcs[0].shape;
    const shapes = srcs.map((s) => [s.shape[2], s.shape[3]] as [number, number]);
    const tokens = (t: Tensor): Tensor => t.flatten(2).transpose(1, 2);
    const src = torch.cat(srcs.map(tokens), 1);
    const levelPos = torch.cat(pos.map((p, l) => tokens(p).add(this.level_embed.select(0, l).view([1, 1, -1]))), 1);
    const reference = referencePoints(shapes).expand([n, -1, -1, -1]);
    const out = this.encoder.call(src, levelPos, reference, shapes);
    return out.split(shapes.map(([h, w]) => h * w), 1).map((t, l) => t.transpose(1, 2).reshape([n, c, ...shapes[l]]));
  }
}
