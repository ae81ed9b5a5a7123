// Image-level targets from pixel labels: which classes an image contains. EncNet's semantic-encoding
// loss and Y-Net's classification branch learn them.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

/** (N, numClasses) float: 1 where the image's labels hold the class (labels outside 0..numClasses−1, such as ignore_index, count for none). */
export function classesPresent(target: Tensor, numClasses: number): Tensor {
  const valid = target.ge(0).logicalAnd(target.lt(numClasses));
  const labels = target.maskedFill(valid.logicalNot(), numClasses).flatten(1);
  return nn.functional.oneHot(labels, numClasses + 1).amax(1).narrow(1, 0, numClasses).to("float32");
}
