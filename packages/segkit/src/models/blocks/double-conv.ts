// Two 3×3 conv-BN-ReLU as one flat Sequential (keys "0".."5"), the U-Net stage of the peer script.
import { nn } from "@segkit/torch";
import { ConvNormAct } from "./conv-norm-act.js";

export class DoubleConv extends nn.Sequential {
  constructor(inChannels: number, outChannels: number, middleChannels = outChannels) {
    super(...new ConvNormAct(inChannels, middleChannels, 3), ...new ConvNormAct(middleChannels, outChannels, 3));
  }
}
