// What `segkit predict`, `segkit test` and eval use of an instance model (Mask R-CNN, YOLACT): its
// class count (background included) and its detections per RGB image (3, H, W) in [0, 1], in eval mode.
import type { nn, Tensor } from "@segkit/torch";
import type { Detections } from "./roi-heads.js";

export interface InstanceModel extends nn.Module {
  readonly numClasses: number;
  forward(images: Tensor[]): Detections[];
}
