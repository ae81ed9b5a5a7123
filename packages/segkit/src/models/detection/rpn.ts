// The region proposal network of Faster R-CNN in torchvision's layout (keys conv.0.0, cls_logits,
// bbox_pred): one shared 3×3 conv + ReLU on every level, then objectness and box deltas per anchor.
// Proposals: per image and level the pre-NMS top-n anchors by objectness, decoded, clipped to the
// image, boxes under minSize and scores under scoreThresh dropped, NMS per level, post-NMS top-n.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { AnchorGenerator } from "./anchor-generator.js";
import { BoxCoder } from "./box-coder.js";
import { clipBoxesToImage, removeSmallBoxes } from "./boxes.js";
import { batchedNms } from "./nms.js";

export class RPNHead extends nn.Module {
  readonly conv: nn.Sequential;
  readonly cls_logits: nn.Conv2d;
  readonly bbox_pred: nn.Conv2d;

  constructor(inChannels: number, numAnchors: number) {
    super();
    this.conv = this.registerModule("conv", new nn.Sequential(new nn.Sequential(new nn.Conv2d(inChannels, inChannels, 3, { padding: 1 }), new nn.ReLU({ inplace: true }))));
    this.cls_logits = this.registerModule("cls_logits", new nn.Conv2d(inChannels, numAnchors, 1));
    this.bbox_pred = this.registerModule("bbox_pred", new nn.Conv2d(inChannels, numAnchors * 4, 1));
  }

  /** Per level: objectness (N, A, H, W) and deltas (N, 4A, H, W). */
  forward(features: Tensor[]): [Tensor[], Tensor[]] {
    const objectness: Tensor[] = [];
    const deltas: Tensor[] = [];
    for (const f of features) {
      const t = this.conv.call(f) as Tensor;
      objectness.push(this.cls_logits.call(t));
      deltas.push(this.bbox_pred.call(t));
    }
    return [objectness, deltas];
  }
}

/** (N, C·A, H, W) → (N, H·W·A, C): anchors ordered as the generator lays them out. */
export function flattenPerAnchor(x: Tensor, channels: number): Tensor {
  const [n, , h, w] = x.shape;
  return x.reshape([n, -1, channels, h, w]).permute([0, 3, 4, 1, 2]).reshape([n, -1, channels]);
}

export interface RPNOptions {
  preNmsTopN: { training: number; testing: number };
  postNmsTopN: { training: number; testing: number };
  nmsThresh: number;
  scoreThresh: number;
}

export class RegionProposalNetwork extends nn.Module {
  readonly head: RPNHead;
  readonly boxCoder = new BoxCoder([1, 1, 1, 1]);
  readonly minSize = 1e-3;

  constructor(readonly anchorGenerator: AnchorGenerator, head: RPNHead, readonly options: RPNOptions) {
    super();
    this.head = this.registerModule("head", head);
  }

  /**
   * Proposals (≤ postNmsTopN, 4) per image with their objectness probabilities; also the anchors and
   * the raw predictions (N, ΣHWA) and (N, ΣHWA, 4) for the losses.
   */
  forward(features: Tensor[], batchSize: number[], imageSizes: [number, number][]): { boxes: Tensor[]; scores: Tensor[]; anchors: Tensor; objectness: Tensor; deltas: Tensor } {
    return torch.tidy(() => {
      const [objectnessLevels, deltaLevels] = this.head.forward(features);
      const anchors = this.anchorGenerator.forward(features.map((f) => f.shape.slice(-2)), batchSize);
      const perLevel = objectnessLevels.map((o) => o.shape[1] * o.shape[2] * o.shape[3]);
      const objectness = torch.cat(objectnessLevels.map((o) => flattenPerAnchor(o, 1).squeeze(2)), 1);
      const deltas = torch.cat(deltaLevels.map((d) => flattenPerAnchor(d, 4)), 1);
      const n = objectness.shape[0];
      const proposals = this.boxCoder.decode(deltas.detach().reshape([-1, 4]), anchors.repeat([n, 1])).reshape([n, -1, 4]);
      const { boxes, scores } = this.filterProposals(proposals, objectness.detach(), imageSizes, perLevel);
      return { boxes, scores, anchors, objectness, deltas };
    });
  }

  filterProposals(proposals: Tensor, objectness: Tensor, imageSizes: [number, number][], perLevel: number[]): { boxes: Tensor[]; scores: Tensor[] } {
    const topN = this.training ? this.options.preNmsTopN.training : this.options.preNmsTopN.testing;
    const postN = this.training ? this.options.postNmsTopN.training : this.options.postNmsTopN.testing;
    // The top-n anchors of each level, with their level index.
    const picked: Tensor[] = [];
    const levels: Tensor[] = [];
    let offset = 0;
    perLevel.forEach((count, level) => {
      const [, index] = objectness.narrow(1, offset, count).topk(Math.min(topN, count), { dim: 1 });
      picked.push(index.add(offset));
      levels.push(torch.full([Math.min(topN, count)], level, { dtype: "int64" }));
      offset += count;
    });
    const index = torch.cat(picked, 1);
    const level = torch.cat(levels, 0);
    const boxes: Tensor[] = [];
    const scores: Tensor[] = [];
    imageSizes.forEach((size, i) => {
      const at = index.select(0, i);
      let b = clipBoxesToImage(proposals.select(0, i).indexSelect(0, at), size);
      let s = objectness.select(0, i).indexSelect(0, at).sigmoid();
      let l = level;
      const keepSize = removeSmallBoxes(b, this.minSize);
      [b, s, l] = [b, s, l].map((t) => t.indexSelect(0, keepSize));
      const keepScore = s.ge(this.options.scoreThresh).nonzero().flatten();
      [b, s, l] = [b, s, l].map((t) => t.indexSelect(0, keepScore));
      const keep = torch.tensor(batchedNms(b, s, l, this.options.nmsThresh).slice(0, postN), { dtype: "int64" });
      boxes.push(b.indexSelect(0, keep));
      scores.push(s.indexSelect(0, keep));
    });
    return { boxes, scores };
  }
}
