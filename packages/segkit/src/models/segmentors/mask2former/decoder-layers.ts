// The masked transformer decoder's three post-norm sublayers, each its own module as the authors
// have them (keys self_attn.* / multihead_attn.* / linear1, linear2, plus norm): attention's
// position embeddings go to queries and keys only, dropout is 0 in the authors' decoder.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** Queries attending to each other; (Q, N, E). */
export class SelfAttentionLayer extends nn.Module {
  readonly selfAttn: nn.MultiheadAttention;
  readonly norm: nn.LayerNorm;

  constructor(dModel: number, nHeads: number) {
    super();
    this.selfAttn = this.registerModule("self_attn", new nn.MultiheadAttention(dModel, nHeads));
    this.norm = this.registerModule("norm", new nn.LayerNorm(dModel));
  }

  forward(tgt: Tensor, queryPos: Tensor): Tensor {
    const q = tgt.add(queryPos);
    return this.norm.call(tgt.add(this.selfAttn.call(q, q, tgt, { needWeights: false })[0]));
  }
}

/** Queries (Q, N, E) attending to one level's pixels (S, N, E); attnMask (N·heads, Q, S), true where a query may not look. */
export class CrossAttentionLayer extends nn.Module {
  readonly multiheadAttn: nn.MultiheadAttention;
  readonly norm: nn.LayerNorm;

  constructor(dModel: number, nHeads: number) {
    super();
    this.multiheadAttn = this.registerModule("multihead_attn", new nn.MultiheadAttention(dModel, nHeads));
    this.norm = this.registerModule("norm", new nn.LayerNorm(dModel));
  }

  forward(tgt: Tensor, memory: Tensor, attnMask: Tensor, pos: Tensor, queryPos: Tensor): Tensor {
    const [attended] = this.multiheadAttn.call(tgt.add(queryPos), memory.add(pos), memory, { attnMask, needWeights: false });
    return this.norm.call(tgt.add(attended));
  }
}

export class FFNLayer extends nn.Module {
  readonly linear1: nn.Linear;
  readonly linear2: nn.Linear;
  readonly norm: nn.LayerNorm;

  constructor(dModel: number, dimFeedforward: number) {
    super();
    this.linear1 = this.registerModule("linear1", new nn.Linear(dModel, dimFeedforward));
    this.linear2 = this.registerModule("linear2", new nn.Linear(dimFeedforward, dModel));
    this.norm = this.registerModule("norm", new nn.LayerNorm(dModel));
  }

  forward(tgt: Tensor): Tensor {
    return this.norm.call(tgt.add(this.linear2.call(torch.relu(this.linear1.call(tgt)))));
  }
}

// The authors' _reset_parameters of each sublayer: xavier-uniform for every matrix.
export function xavierMatrices(module: nn.Module): void {
  for (const p of module.parameters()) if (p.ndim > 1) nn.init.xavierUniform(p);
}
