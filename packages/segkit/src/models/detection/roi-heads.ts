// The RoI heads of Mask R-CNN in torchvision's layout (box_head, box_predictor, mask_head,
// mask_predictor; the RoIAlign poolers hold no weights). Inference: boxes pooled 7×7 from the
// proposals, classified and regressed per class (box coder weights 10, 10, 5, 5); per image, every
// foreground class's box clipped, scores ≤ scoreThresh and boxes under 0.01 dropped, NMS per class,
// the best detectionsPerImg kept; then masks pooled 14×14 from the kept boxes, and each detection's
// own class channel taken through a sigmoid.
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { BoxCoder } from "./box-coder.js";
import { clipBoxesToImage, removeSmallBoxes } from "./boxes.js";
import { FastRCNNPredictor, MaskRCNNHeads, MaskRCNNPredictor, TwoMLPHead } from "./box-heads.js";
import { MultiScaleRoIAlign } from "./multi-scale-roi-align.js";
import { batchedNms } from "./nms.js";

export interface RoIHeadsOptions {
  scoreThresh: number;
  nmsThresh: number;
  detectionsPerImg: number;
  /** Training: proposals sampled per image (512), the positive fraction at most (0.25). */
  batchSizePerImage: number;
  positiveFraction: number;
}

/** One image's detections: boxes (K, 4), labels (K) int64, scores (K), masks (K, 1, M, M) probabilities. */
export interface Detections {
  boxes: Tensor;
  labels: Tensor;
  scores: Tensor;
  masks: Tensor;
}

export class RoIHeads extends nn.Module {
  readonly box_head: TwoMLPHead;
  readonly box_predictor: FastRCNNPredictor;
  readonly mask_head: MaskRCNNHeads;
  readonly mask_predictor: MaskRCNNPredictor;
  readonly boxRoiPool = new MultiScaleRoIAlign({ outputSize: 7, samplingRatio: 2 });
  readonly maskRoiPool = new MultiScaleRoIAlign({ outputSize: 14, samplingRatio: 2 });
  readonly boxCoder = new BoxCoder([10, 10, 5, 5]);

  constructor(parts: { boxHead: TwoMLPHead; boxPredictor: FastRCNNPredictor; maskHead: MaskRCNNHeads; maskPredictor: MaskRCNNPredictor }, readonly options: RoIHeadsOptions) {
    super();
    this.box_head = this.registerModule("box_head", parts.boxHead);
    this.box_predictor = this.registerModule("box_predictor", parts.boxPredictor);
    this.mask_head = this.registerModule("mask_head", parts.maskHead);
    this.mask_predictor = this.registerModule("mask_predictor", parts.maskPredictor);
  }

  /** Detections per image (in the resized images' coordinates) from the proposals. */
  forward(features: Tensor[], proposals: Tensor[], imageSizes: [number, number][]): Detections[] {
    return torch.tidy(() => {
      const pooled = this.boxRoiPool.forward(features, proposals, imageSizes);
      const [classLogits, boxDeltas] = this.box_predictor.forward(this.box_head.forward(pooled));
      const found = this.postprocessDetections(classLogits, boxDeltas, proposals, imageSizes);
      const maskLogits = this.mask_predictor.forward(this.mask_head.call(this.maskRoiPool.forward(features, found.map((d) => d.boxes), imageSizes)) as Tensor);
      const labels = torch.cat(found.map((d) => d.labels), 0);
      const own = maskLogits.sigmoid().gather(1, labels.reshape([-1, 1, 1, 1]).expand([-1, 1, ...maskLogits.shape.slice(2)]));
      let start = 0;
      return found.map((d) => {
        const masks = own.narrow(0, start, d.labels.shape[0]);
        start += d.labels.shape[0];
        return { ...d, masks };
      });
    });
  }

  postprocessDetections(classLogits: Tensor, boxDeltas: Tensor, proposals: Tensor[], imageSizes: [number, number][]): Omit<Detections, "masks">[] {
    return torch.tidy(() => {
      const numClasses = classLogits.shape[1];
      const boxes = this.boxCoder.decode(boxDeltas, torch.cat(proposals, 0));
      const scores = classLogits.softmax(-1);
      let start = 0;
      return proposals.map((p, i) => {
        const n = p.shape[0];
        const imageBoxes = clipBoxesToImage(boxes.narrow(0, start, n), imageSizes[i]).narrow(1, 1, numClasses - 1).reshape([-1, 4]);
        const imageScores = scores.narrow(0, start, n).narrow(1, 1, numClasses - 1).reshape([-1]);
        const imageLabels = torch.arange(1, numClasses, { dtype: "int64" }).unsqueeze(0).expand([n, numClasses - 1]).reshape([-1]);
        start += n;
        let [b, s, l] = [imageBoxes, imageScores, imageLabels];
        const confident = s.gt(this.options.scoreThresh).nonzero().flatten();
        [b, s, l] = [b, s, l].map((t) => t.indexSelect(0, confident));
        const large = removeSmallBoxes(b, 1e-2);
        [b, s, l] = [b, s, l].map((t) => t.indexSelect(0, large));
        const keep = torch.tensor(batchedNms(b, s, l, this.options.nmsThresh).slice(0, this.options.detectionsPerImg), { dtype: "int64" });
        return { boxes: b.indexSelect(0, keep), scores: s.indexSelect(0, keep), labels: l.indexSelect(0, keep) };
      });
    });
  }
}
