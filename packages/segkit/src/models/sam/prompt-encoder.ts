// SAM's prompt encoder: points (with labels 1 foreground, 0 background, −1 padding) and box corners
// become sparse tokens (position encoding + a learned embedding per kind); a low-resolution mask
// prompt becomes a dense embedding through two stride-2 convs (or the learned no-mask embedding).
// Keys as the authors' PromptEncoder (pe_layer, point_embeddings.0-3, not_a_point_embed,
// mask_downscaling.*, no_mask_embed).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { LayerNorm2d } from "../blocks/layer-norm-2d.js";
import { PositionEmbeddingRandom, cellCentres } from "./random-position-encoding.js";

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
  /** The input image's [W, H], to normalise (x, y) pixel coordinates. */
  declare readonly input_size_xy: Tensor;
  /** The image embedding's cell centres (h, w, 2), normalised. */
  declare readonly cell_centres: Tensor;

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
    // Made here, not per call, so exported graphs hold them as constants (not saved: the reference has neither).
    this.registerBuffer("input_size_xy", torch.tensor(Float32Array.from([inputSize[1], inputSize[0]])), { persistent: false });
    this.registerBuffer("cell_centres", cellCentres(embeddingSize), { persistent: false });
  }

  /** The mask prompt's expected [H, W]: four times the image embedding. */
  get maskInputSize(): number[] {
    return [4 * this.embeddingSize[0], 4 * this.embeddingSize[1]];
  }

  /** The position encoding of the image embedding's grid: (1, embedDim, h, w). */
  denseEncoding(): Tensor {
    return this.pe_layer.call(this.cell_centres).permute([2, 0, 1]).unsqueeze(0);
  }

  /**
   * Pixel coordinates (B, N, 2) as (x, y) in the input frame → (B, N, embedDim). Coordinates may be
   * float64 (the automatic mask generator's): normalised in their precision, then encoded in
   * float32, as the reference does.
   */
  #encodeCoords(coords: Tensor): Tensor {
    return this.pe_layer.call(coords.div(this.input_size_xy.to(coords.dtype)).to("float32"));
  }

  /**
   * Points (B, N, 2) with labels (B, N) → tokens (B, N, embedDim): −1 padding (the not-a-point
   * embedding alone), 0 background, 1 foreground, 2 and 3 a box's top-left and bottom-right corners.
   */
  embedLabelledPoints(coords: Tensor, labels: Tensor): Tensor {
    const encoded = this.#encodeCoords(coords.add(0.5)); // the centre of the pixel
    const kind = labels.to("float32").unsqueeze(-1);
    return [0, 1, 2, 3].reduce(
      (tokens, i) => tokens.add(kind.eq(i).to("float32").mul(this.point_embeddings.at(i).weight)),
      torch.where(kind.eq(-1), this.not_a_point_embed.weight, encoded),
    );
  }

  #embedPoints(coords: Tensor, labels: Tensor, pad: boolean): Tensor {
    if (!pad) return this.embedLabelledPoints(coords, labels);
    // Without a box a padding point stands in for it, as the model was trained.
    const points = torch.cat([coords, torch.zeros([coords.shape[0], 1, 2])], 1);
    const kinds = torch.cat([labels.to("float32"), torch.full([labels.shape[0], 1], -1)], 1);
    return this.embedLabelledPoints(points, kinds);
  }

  #embedBoxes(boxes: Tensor): Tensor {
    const corners = this.#encodeCoords(boxes.add(0.5).reshape([-1, 2, 2]));
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
      : this.denseWithoutMask(batch);
    return { sparse, dense };
  }

  /** The dense embedding (batch, embedDim, h, w) of prompts without a mask input: the learned no-mask embedding everywhere. */
  denseWithoutMask(batch: number): Tensor {
    return this.no_mask_embed.weight.reshape([1, -1, 1, 1]).expand([batch, -1, this.embeddingSize[0], this.embeddingSize[1]]);
  }
}
