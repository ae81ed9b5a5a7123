// Multi-scale deformable attention (Zhu et al. 2021, Deformable DETR) as Mask2Former's pixel decoder
// uses it, computed the way the authors' pure-PyTorch path (ms_deform_attn_core_pytorch) does:
// each query reads, per head and level, a few points at learnt offsets from its reference point by
// bilinear grid sampling, and sums them with softmax weights. Keys are the authors' (sampling_offsets,
// attention_weights, value_proj, output_proj).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface DeformAttnOptions {
  dModel: number;
  nLevels: number;
  nHeads: number;
  nPoints: number;
}

/**
 * value (N, S, heads, D) of levels shaped `shapes` ([h, w] each, flattened in order); locations
 * (N, Lq, heads, levels, points, 2) in [0, 1]² as (x, y); weights (N, Lq, heads, levels, points):
 * the weighted samples (N, Lq, heads·D). Points outside a map read zeros.
 */
export function msDeformAttnCore(value: Tensor, shapes: [number, number][], locations: Tensor, weights: Tensor): Tensor {
  return torch.tidy(() => {
    const [n, , m, d] = value.shape;
    const [, lq, , levels, points] = locations.shape;
    const perLevel = value.split(shapes.map(([h, w]) => h * w), 1);
    const grids = locations.mul(2).sub(1);
    const samples = shapes.map(([h, w], l) => {
      const map = perLevel[l].flatten(2).transpose(1, 2).reshape([n * m, d, h, w]);
      const grid = grids.select(3, l).transpose(1, 2).flatten(0, 1);
      return nn.functional.gridSample(map, grid, { mode: "bilinear", paddingMode: "zeros", alignCorners: false });
    });
    const w = weights.transpose(1, 2).reshape([n * m, 1, lq, levels * points]);
    const out = torch.stack(samples, -2).flatten(-2).mul(w).sum([-1]).view([n, m * d, lq]);
    return out.transpose(1, 2).contiguous();
  });
}

/** The attention module: queries (N, Lq, C) with reference points (N, Lq, levels, 2) over a flattened multi-level input (N, S, C). */
export class MSDeformAttn extends nn.Module {
  readonly samplingOffsets: nn.Linear;
  readonly attentionWeights: nn.Linear;
  readonly valueProj: nn.Linear;
  readonly outputProj: nn.Linear;

  constructor(readonly o: DeformAttnOptions) {
    super();
    const { dModel, nLevels, nHeads, nPoints } = o;
    if (dModel % nHeads !== 0) throw new RangeError(`MSDeformAttn: width (${dModel}) must be a multiple of the number of heads (${nHeads})`);
    this.samplingOffsets = this.registerModule("sampling_offsets", new nn.Linear(dModel, nHeads * nLevels * nPoints * 2));
    this.attentionWeights = this.registerModule("attention_weights", new nn.Linear(dModel, nHeads * nLevels * nPoints));
    this.valueProj = this.registerModule("value_proj", new nn.Linear(dModel, dModel));
    this.outputProj = this.registerModule("output_proj", new nn.Linear(dModel, dModel));
    this.#resetParameters();
  }

  // The authors' initialisation: zero offset weights, offset biases on a ring of directions (one per
  // head, the k-th point k times as far), uniform attention, xavier projections with zero biases.
  #resetParameters(): void {
    const { nLevels, nHeads, nPoints } = this.o;
    torch.noGrad(() => {
      nn.init.constant(this.samplingOffsets.weight, 0);
      const ring = Array.from({ length: nHeads }, (_, h) => {
        const theta = (2 * Math.PI * h) / nHeads;
        const [x, y] = [Math.cos(theta), Math.sin(theta)];
        const scale = Math.max(Math.abs(x), Math.abs(y));
        return [x / scale, y / scale];
      });
      const bias = ring.flatMap(([x, y]) => Array.from({ length: nLevels }, () => Array.from({ length: nPoints }, (_, p) => [x * (p + 1), y * (p + 1)]).flat()).flat());
      const initial = torch.tensor(Float32Array.from(bias));
      this.samplingOffsets.bias!.copy_(initial);
      initial.dispose();
      nn.init.constant(this.attentionWeights.weight, 0);
      nn.init.constant(this.attentionWeights.bias!, 0);
      for (const linear of [this.valueProj, this.outputProj]) {
        nn.init.xavierUniform(linear.weight);
        nn.init.constant(linear.bias!, 0);
      }
    });
  }

  forward(query: Tensor, referencePoints: Tensor, input: Tensor, shapes: [number, number][]): Tensor {
    const { nLevels, nHeads, nPoints, dModel } = this.o;
    const [n, lq] = query.shape;
    const s = input.shape[1];
    const value = this.valueProj.call(input).view([n, s, nHeads, dModel / nHeads]);
    const offsets = this.samplingOffsets.call(query).view([n, lq, nHeads, nLevels, nPoints, 2]);
    const weights = torch.softmax(this.attentionWeights.call(query).view([n, lq, nHeads, nLevels * nPoints]), -1).view([n, lq, nHeads, nLevels, nPoints]);
    // Offsets are in pixels of each level: divided by its (w, h).
    const normalizer = torch.tensor(Float32Array.from(shapes.flatMap(([h, w]) => [w, h])), { shape: [nLevels, 2] });
    const locations = referencePoints.view([n, lq, 1, nLevels, 1, 2]).add(offsets.div(normalizer.view([1, 1, 1, nLevels, 1, 2])));
    return this.outputProj.call(msDeformAttnCore(value, shapes, locations, weights));
  }
}
