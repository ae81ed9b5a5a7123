// A light classifier head: 3×3 conv-BN-ReLU, dropout, 1×1 conv to classes (BiSeNet's main and
// auxiliary heads).
import { nn } from "@segkit/torch";
import { ConvNormAct } from "./conv-norm-act.js";

export class SegHead extends nn.Sequential {
  constructor(inChannels: number, channels: number, numClasses: number, dropout = 0.1) {
    super(new ConvNormAct(inChannels, channels, 3), new nn.Dropout2d(dropout), new nn.Conv2d(channels, numClasses, 1));
  }
}
