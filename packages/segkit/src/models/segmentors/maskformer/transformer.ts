// DETR's transformer as MaskFormer uses it (keys encoder.layers.i.*, decoder.layers.i.*,
// decoder.norm): post-norm layers by default (pre-norm with a final encoder norm on request), the
// position embedding added to queries and keys of every attention, never to values. The queries
// start at zero and carry their learnt embedding as position; the decoder returns every layer's
// output through its final LayerNorm, for the auxiliary losses. Sequences are (L, N, E).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export interface DetrTransformerOptions {
  dModel: number;
  nHeads: number;
  dimFeedforward: number;
  dropout: number;
  encoderLayers: number;
  decoderLayers: number;
  preNorm: boolean;
}

/** What the encoder needs (MaskFormer's pixel decoder builds an encoder alone). */
export type DetrEncoderOptions = Omit<DetrTransformerOptions, "decoderLayers">;

/** linear1 → ReLU → dropout → linear2, the feed-forward part of both layers. */
function feedForward(layer: { linear1: nn.Linear; linear2: nn.Linear; o: DetrEncoderOptions; training: boolean }, x: Tensor): Tensor {
  return layer.linear2.call(nn.functional.dropout(torch.relu(layer.linear1.call(x)), layer.o.dropout, layer.training));
}

class EncoderLayer extends nn.Module {
  readonly selfAttn: nn.MultiheadAttention;
  readonly linear1: nn.Linear;
  readonly linear2: nn.Linear;
  readonly norm1: nn.LayerNorm;
  readonly norm2: nn.LayerNorm;

  constructor(readonly o: DetrEncoderOptions) {
    super();
    this.selfAttn = this.registerModule("self_attn", new nn.MultiheadAttention(o.dModel, o.nHeads, { dropout: o.dropout }));
    this.linear1 = this.registerModule("linear1", new nn.Linear(o.dModel, o.dimFeedforward));
    this.linear2 = this.registerModule("linear2", new nn.Linear(o.dimFeedforward, o.dModel));
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(o.dModel));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(o.dModel));
  }

  forward(src: Tensor, pos: Tensor): Tensor {
    const drop = (x: Tensor) => nn.functional.dropout(x, this.o.dropout, this.training);
    const attend = (x: Tensor) => { const q = x.add(pos); return this.selfAttn.call(q, q, x, { needWeights: false })[0]; };
    if (this.o.preNorm) {
      const h = src.add(drop(attend(this.norm1.call(src))));
      return h.add(drop(feedForward(this, this.norm2.call(h))));
    }
    const h = this.norm1.call(src.add(drop(attend(src))));
    return this.norm2.call(h.add(drop(feedForward(this, h))));
  }
}

class DecoderLayer extends nn.Module {
  readonly selfAttn: nn.MultiheadAttention;
  readonly crossAttn: nn.MultiheadAttention;
  readonly linear1: nn.Linear;
  readonly linear2: nn.Linear;
  readonly norm1: nn.LayerNorm;
  readonly norm2: nn.LayerNorm;
  readonly norm3: nn.LayerNorm;

  constructor(readonly o: DetrTransformerOptions) {
    super();
    this.selfAttn = this.registerModule("self_attn", new nn.MultiheadAttention(o.dModel, o.nHeads, { dropout: o.dropout }));
    this.crossAttn = this.registerModule("multihead_attn", new nn.MultiheadAttention(o.dModel, o.nHeads, { dropout: o.dropout }));
    this.linear1 = this.registerModule("linear1", new nn.Linear(o.dModel, o.dimFeedforward));
    this.linear2 = this.registerModule("linear2", new nn.Linear(o.dimFeedforward, o.dModel));
    this.norm1 = this.registerModule("norm1", new nn.LayerNorm(o.dModel));
    this.norm2 = this.registerModule("norm2", new nn.LayerNorm(o.dModel));
    this.norm3 = this.registerModule("norm3", new nn.LayerNorm(o.dModel));
  }

  /** tgt (Q, N, E) queries, memory (S, N, E); queryPos and pos their position embeddings. */
  forward(tgt: Tensor, memory: Tensor, pos: Tensor, queryPos: Tensor): Tensor {
    const drop = (x: Tensor) => nn.functional.dropout(x, this.o.dropout, this.training);
    const selfAttend = (x: Tensor) => { const q = x.add(queryPos); return this.selfAttn.call(q, q, x, { needWeights: false })[0]; };
    const cross = (x: Tensor) => this.crossAttn.call(x.add(queryPos), memory.add(pos), memory, { needWeights: false })[0];
    if (this.o.preNorm) {
      const a = tgt.add(drop(selfAttend(this.norm1.call(tgt))));
      const b = a.add(drop(cross(this.norm2.call(a))));
      return b.add(drop(feedForward(this, this.norm3.call(b))));
    }
    const a = this.norm1.call(tgt.add(drop(selfAttend(tgt))));
    const b = this.norm2.call(a.add(drop(cross(a))));
    return this.norm3.call(b.add(drop(feedForward(this, b))));
  }
}

class Encoder extends nn.Module {
  readonly layers: nn.ModuleList<EncoderLayer>;
  readonly norm: nn.LayerNorm | null;

  constructor(o: DetrEncoderOptions) {
    super();
    this.layers = this.registerModule("layers", new nn.ModuleList(Array.from({ length: o.encoderLayers }, () => new EncoderLayer(o))));
    this.norm = o.preNorm ? this.registerModule("norm", new nn.LayerNorm(o.dModel)) : null;
  }

  forward(src: Tensor, pos: Tensor): Tensor {
    const out = [...this.layers].reduce((h, layer) => layer.call(h, pos), src);
    return this.norm ? this.norm.call(out) : out;
  }
}

class Decoder extends nn.Module {
  readonly layers: nn.ModuleList<DecoderLayer>;
  readonly norm: nn.LayerNorm;

  constructor(o: DetrTransformerOptions) {
    super();
    this.layers = this.registerModule("layers", new nn.ModuleList(Array.from({ length: o.decoderLayers }, () => new DecoderLayer(o))));
    this.norm = this.registerModule("norm", new nn.LayerNorm(o.dModel));
  }

  /** Every layer's normed output, stacked: (layers, Q, N, E). */
  forward(tgt: Tensor, memory: Tensor, pos: Tensor, queryPos: Tensor): Tensor {
    const outputs: Tensor[] = [];
    let h = tgt;
    for (const layer of this.layers) {
      h = layer.call(h, memory, pos, queryPos);
      outputs.push(this.norm.call(h));
    }
    return torch.stack(outputs);
  }
}

const sequence = (t: Tensor): Tensor => t.flatten(2).permute([2, 0, 1]);

// The authors' _reset_parameters: xavier-uniform for every matrix.
function xavierMatrices(module: nn.Module): void {
  for (const p of module.parameters()) if (p.ndim > 1) nn.init.xavierUniform(p);
}

function checkWidth(who: string, { dModel, nHeads, encoderLayers }: DetrEncoderOptions): void {
  if (!(Number.isInteger(encoderLayers) && encoderLayers >= 0)) throw new RangeError(`${who}: encoderLayers must be an integer ≥ 0, got ${encoderLayers}`);
  if (dModel % nHeads !== 0) throw new RangeError(`${who}: width (${dModel}) must be a multiple of the number of heads (${nHeads})`);
}

/** MaskFormer's TransformerEncoderOnly (key encoder.*): the encoder over an (N, E, H, W) map, returned in that shape. */
export class DetrEncoderOnly extends nn.Module {
  readonly encoder: Encoder;

  constructor(options: DetrEncoderOptions) {
    super();
    checkWidth("DetrEncoderOnly", options);
    this.encoder = this.registerModule("encoder", new Encoder(options));
    xavierMatrices(this);
  }

  forward(src: Tensor, pos: Tensor): Tensor {
    const [n, c, h, w] = src.shape;
    return this.encoder.call(sequence(src), sequence(pos)).permute([1, 2, 0]).reshape([n, c, h, w]);
  }
}

export class DetrTransformer extends nn.Module {
  readonly encoder: Encoder;
  readonly decoder: Decoder;

  constructor(readonly options: DetrTransformerOptions) {
    super();
    checkWidth("DetrTransformer", options);
    const { decoderLayers } = options;
    if (!(Number.isInteger(decoderLayers) && decoderLayers >= 1)) throw new RangeError(`DetrTransformer: decoderLayers must be an integer ≥ 1, got ${decoderLayers}`);
    this.encoder = this.registerModule("encoder", new Encoder(options));
    this.decoder = this.registerModule("decoder", new Decoder(options));
    xavierMatrices(this);
  }

  /**
   * src (N, E, H, W) and its position embedding (N, E, H, W), queryEmbed (Q, E): the decoder's
   * per-layer outputs as (layers, N, Q, E).
   */
  forward(src: Tensor, pos: Tensor, queryEmbed: Tensor): Tensor {
    const n = src.shape[0];
    const posSeq = sequence(pos);
    const queryPos = queryEmbed.unsqueeze(1).expand([-1, n, -1]);
    const memory = this.encoder.call(sequence(src), posSeq);
    return this.decoder.call(torch.zerosLike(queryPos), memory, posSeq, queryPos).transpose(1, 2);
  }
}
