// The trunk of DeepLab-LargeFOV (Chen et al. 2015, "Semantic Image Segmentation with Deep Convolutional
// Nets and Fully Connected CRFs", Sec. 3.1 and Table 2): VGG-16's convs with 3×3 max-pools (stride 2
// for pool1–3, stride 1 for pool4 and pool5, Caffe's ceil rounding), conv5 dilated by 2, then fc6 as
// a 3×3 conv of 1024 channels dilated by 12 and fc7 as a 1×1 conv of 1024, each with ReLU and dropout
// 0.5: output stride 8. The convs keep torchvision's VGG-16 indices ("features.0", ..., "features.28"),
// so ImageNet VGG-16 weights load into them.
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

const STAGES = [2, 2, 3, 3, 3];

export interface LargeFOVOptions {
  /** Channels of the five VGG stages (64, 128, 256, 512, 512; small test models use less). */
  widths?: number[];
  /** Channels of fc6 and fc7 (1024). */
  fcChannels?: number;
  /** Dropout after fc6 and fc7 (0.5). */
  dropout?: number;
}

export class LargeFOVTrunk extends nn.Module {
  readonly features: nn.Sequential;
  readonly fc6: nn.Conv2d;
  readonly fc7: nn.Conv2d;
  readonly dropout: nn.Dropout2d;
  readonly outChannels: number;

  constructor({ widths = [64, 128, 256, 512, 512], fcChannels = 1024, dropout = 0.5 }: LargeFOVOptions = {}) {
    super();
    this.dropout = this.registerModule("dropout", new nn.Dropout2d(dropout));
    if (widths.length !== 5) throw new RangeError(`LargeFOV: widths must list 5 stage widths, got ${widths.length}`);
    this.features = this.registerModule("features", new nn.Sequential());
    let cin = 3;
    STAGES.forEach((convs, stage) => {
      const dilation = stage === 4 ? 2 : 1;
      for (let i = 0; i < convs; i++) {
        this.features.append(new nn.Conv2d(cin, widths[stage], 3, { padding: dilation, dilation }));
        this.features.append(new nn.ReLU({ inplace: true }));
        cin = widths[stage];
      }
      this.features.append(new nn.MaxPool2d(3, { stride: stage < 3 ? 2 : 1, padding: 1, ceilMode: true }));
    });
    this.fc6 = this.registerModule("fc6", new nn.Conv2d(cin, fcChannels, 3, { padding: 12, dilation: 12 }));
    this.fc7 = this.registerModule("fc7", new nn.Conv2d(fcChannels, fcChannels, 1));
    this.outChannels = fcChannels;
  }

  /** fc7's features (after ReLU and dropout) at stride 8. */
  forward(x: Tensor): Tensor {
    const fc6 = this.dropout.call(this.fc6.call(this.features.call(x)).relu());
    return this.dropout.call(this.fc7.call(fc6).relu());
  }
}
