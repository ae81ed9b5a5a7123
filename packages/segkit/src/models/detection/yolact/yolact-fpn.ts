// YOLACT's FPN (yolact.py FPN, yolact_base's settings): laterals top-down with bilinear upsampling,
// a ReLU'd 3×3 conv per level, then stride-2 3×3 convs (no ReLU) for the extra levels. The authors
// store the lateral and output convs coarsest level first (lat_layers.0 belongs to the last input).
import * as torch from "@segkit/torch";
import { nn } from "@segkit/torch";
import type { Tensor } from "@segkit/torch";

export class YolactFpn extends nn.Module {
  readonly lat_layers: nn.ModuleList<nn.Conv2d>;
  readonly pred_layers: nn.ModuleList<nn.Conv2d>;
  readonly downsample_layers: nn.ModuleList<nn.Conv2d>;

  constructor(inChannels: number[], channels: number, numDownsample: number) {
    super();
    this.lat_layers = this.registerModule("lat_layers", new nn.ModuleList([...inChannels].reverse().map((c) => new nn.Conv2d(c, channels, 1))));
    this.pred_layers = this.registerModule("pred_layers", new nn.ModuleList(inChannels.map(() => new nn.Conv2d(channels, channels, 3, { padding: 1 }))));
    this.downsample_layers = this.registerModule("downsample_layers",
      new nn.ModuleList(Array.from({ length: numDownsample }, () => new nn.Conv2d(channels, channels, 3, { padding: 1, stride: 2 }))));
  }

  forward(features: Tensor[]): Tensor[] {
    const n = features.length;
    if (n !== this.lat_layers.length) throw new RangeError(`YolactFpn: expected ${this.lat_layers.length} feature maps, got ${n}`);
    const merged: Tensor[] = new Array<Tensor>(n);
    let x: Tensor | null = null;
    for (let j = n - 1; j >= 0; j--) {
      const lateral = this.lat_layers.at(n - 1 - j).forward(features[j]);
      const [h, w] = features[j].shape.slice(2);
      x = x === null ? lateral : torch.upsampleBilinear2d(x, [h, w], false).add(lateral);
      merged[j] = x;
    }
    const out = merged.map((m, j) => torch.relu(this.pred_layers.at(n - 1 - j).forward(m)));
    for (const down of this.downsample_layers) out.push(down.forward(out[out.length - 1]));
    return out;
  }
}
