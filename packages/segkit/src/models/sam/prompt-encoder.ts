// SAM's prompt encoder: points (with labels 1 foreground, 0 background, −1 padding) and box corners
// become sparse tokens (position encoding + a learned embedding per kind); a low-resolution mask
// prompt becomes a dense embedding through two stride-2 convs (or the learned no-mask embedding).
// Keys as the authors' PromptEncoder (pe_layer, point_embeddings.0-3, not_a_point_embed,
// mask_downscaling.*, no_mask_embed).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { LayerNorm2d } from "../blocks/layer-norm-2d.js";
import { PositionEmbeddingRandom } from "./random-position-encoding.js";

/** Prompts in the model's input frame (coordinates of the resized, padded image). */
export interface Prompts {
  /** (B, N, 2) as (x, y) with labels (B, N): 1 foreground, 0 background, −1 ignored. */
  points?: { coords: Tensor; labels: Tensor };
  /** (B, 4) as x0, y0, x1, y1. */
  boxes?: Tensor;
  /** Low-resolution mask logits (B, 1, 4·h, 4·w), as the decoder returns them. */
  masks?: Tensor;
}

export class PromptEncoder extends nn.Module {
  readonly pe_layer: PositionEmbeddingRandom;
  readonly point_embeddings: nn.ModuleList<nn.Embedding>;
  readonly not_a_point_embed: nn.Embedding;
  readonly mask_downscaling: nn.Sequential;
  readonly no_mask_embed: nn.Embedding;

  /** `embeddingSize` is the image embedding's [h, w]; `inputSize` the padded input image's [H, W]. */
  constructor(readonly embedDim: number, readonly embeddingSize: number[], readonly inputSize: number[], maskInChannels: number) {
    super();
    this.pe_layer = this.registerModule("pe_layer", new PositionEmbeddingRandom(embedDim / 2));
    // Foreground point, background point, box top-left, box bottom-right.
    this.point_embeddings = this.registerModule("point_embeddings", new nn.ModuleList([0, 1, 2, 3].map(() => new nn.Embedding(1, embedDim))));
    this.not_a_point_embed = this.registerModule("not_a_point_embed", new nn.Embedding(1, embedDim));
    this.mask_downscaling = this.registerModule("mask_downscaling", new nn.Sequential(
      new nn.Conv2d(1, maskInChannels / 4, 2, { stride: 2 }),
      new LayerNorm2d(maskInChannels / 4),
      new nn.GELU(),
      new nn.Conv2d(maskInChannels / 4, maskInChannels, 2, { stride: 2 }),
      new LayerNorm2d(maskInChannels),
      new nn.GELU(),
      new nn.Conv2d(maskInChannels, embedDim, 1),
    ));
    this.no_mask_embed = this.registerModule("no_mask_embed", new nn.Embedding(1, embedDim));
  }

  /** The mask prompt's expected [H, W]: four times the image embedding. */
  get maskInputSize(): number[] {
    return [4 * this.embeddingSize[0], 4 * this.embeddingSize[1]];
  }

  /** The position encoding of the image embedding's grid: (1, embedDim, h, w). */
  denseEncoding(): Tensor {
    return this.pe_layer.call(this.embeddingSize).unsqueeze(0);
  }

  #embedPoints(coords: Tensor, labels: Tensor, pad: boolean): Tensor {
    let points = coords.add(0.5); // the centre of the pixel
    let kinds = labels.to("float32");
    if (pad) {
      // Without a box a padding point stands in for it, as the model was trained.
      points = torch.cat([points, torch.zeros([points.shape[0], 1, 2])], 1);
      kinds = torch.cat([kinds, torch.full([kinds.shape[0], 1], -1)], 1);
    }
    const encoded = this.pe_layer.encodeCoords(points, this.inputSize);
    const kind = kinds.unsqueeze(-1);
    const weight = (i: number) => this.point_embeddings.at(i).weight;
    return torch.where(kind.eq(-1), this.not_a_point_embed.weight, encoded)
      .add(kind.eq(0).to("float32").mul(weight(0)))
      .add(kind.eq(1).to("float32").mul(weight(1)));
  }

  #embedBoxes(boxes: Tensor): Tensor {
    const corners = this.pe_layer.encodeCoords(boxes.add(0.5).reshape([-1, 2, 2]), this.inputSize);
    return corners.add(torch.cat([this.point_embeddings.at(2).weight, this.point_embeddings.at(3).weight], 0));
  }

  /** Sparse tokens (B, N, embedDim) and the dense embedding (B, embedDim, h, w). */
  forward({ points, boxes, masks }: Prompts): { sparse: Tensor; dense: Tensor } {
    const batch = points?.coords.shape[0] ?? boxes?.shape[0] ?? masks?.shape[0] ?? 1;
    const parts: Tensor[] = [];
    if (points) parts.push(this.#embedPoints(points.coords, points.labels, boxes === undefined));
    if (boxes) parts.push(this.#embedBoxes(boxes));
    const sparse = parts.length > 0 ? torch.cat(parts, 1) : torch.empty([batch, 0, this.embedDim]);
    const dense = masks
      ? this.mask_downscaling.call(masks)
      : this.no_mask_embed.weight.reshape([1, -1, 1, 1]).expand([batch, -1, this.embeddingSize[0], this.embeddingSize[1]]);
    return { sparse, dense };
  }
}
