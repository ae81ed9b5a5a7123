// Efficient self-attention (PVT, Wang et al. 2021; used by SegFormer): keys and values come from the
// tokens shrunk by a strided conv of kernel = stride = srRatio (then LayerNorm), so attention costs
// N·N/R² instead of N². Keys as Hugging Face's SegformerAttention: "self.{query,key,value,sr,layer_norm}",
// "output.dense" (the official code's fused "kv" is split into key and value, see segformer/key-map.ts).
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { chunkedAttention, headWidth, mergeHeads, splitHeads } from "../../blocks/chunked-attention.js";
import { toFeatureMap, toTokens } from "../../blocks/tokens.js";

export class EfficientSelfAttention extends nn.Module {
  readonly query: nn.Linear;
  readonly key: nn.Linear;
  readonly value: nn.Linear;
  readonly sr: nn.Conv2d | null = null;
  readonly layer_norm: nn.LayerNorm | null = null;
  readonly headDim: number;

  constructor(readonly channels: number, readonly numHeads: number, readonly srRatio: number) {
    super();
    this.headDim = headWidth("EfficientSelfAttention", channels, numHeads);
    this.query = this.registerModule("query", new nn.Linear(channels, channels));
    this.key = this.registerModule("key", new nn.Linear(channels, channels));
    this.value = this.registerModule("value", new nn.Linear(channels, channels));
    if (srRatio > 1) {
      this.sr = this.registerModule("sr", new nn.Conv2d(channels, channels, srRatio, { stride: srRatio }));
      this.layer_norm = this.registerModule("layer_norm", new nn.LayerNorm(channels));
    }
  }

  forward(x: Tensor, size: number[]): Tensor {
    const reduced = this.sr && this.layer_norm ? this.layer_norm.call(toTokens(this.sr.call(toFeatureMap(x, size)))) : x;
    const [q, k, v] = [this.query.call(x), this.key.call(reduced), this.value.call(reduced)].map((t) => splitHeads(t, this.numHeads));
    return mergeHeads(chunkedAttention(q, k, v, this.headDim ** -0.5));
  }
}

/** The attention's output projection ("dense"). */
class AttentionOutput extends nn.Module {
  readonly dense: nn.Linear;

  constructor(channels: number) {
    super();
    this.dense = this.registerModule("dense", new nn.Linear(channels, channels));
  }

  forward(x: Tensor): Tensor {
    return this.dense.call(x);
  }
}

export class EfficientAttention extends nn.Module {
  readonly self: EfficientSelfAttention;
  readonly output: AttentionOutput;

  constructor(channels: number, numHeads: number, srRatio: number) {
    super();
    this.self = this.registerModule("self", new EfficientSelfAttention(channels, numHeads, srRatio));
    this.output = this.registerModule("output", new AttentionOutput(channels));
  }

  forward(x: Tensor, size: number[]): Tensor {
    return this.output.call(this.self.call(x, size));
  }
}
