// STDC-Seg (Fan et al. 2021), as the authors' BiSeNet in model_stages.py: the STDC backbone's
// stride-8 features act as the spatial path, fused with the context path by the feature fusion
// module. Training adds, as the authors train it (use_boundary_8): the two context outputs' auxiliary
// heads and the detail head on the stride-8 features with the detail loss. Outputs are upsampled
// bilinearly with aligned corners, as theirs.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { checkWidth } from "../../blocks/check-width.js";
import { spatial } from "../../blocks/resize.js";
import { Segmentor, type SegmentorOptions } from "../segmentor.js";
import { ContextPath } from "./context-path.js";
import { detailLoss } from "./detail-loss.js";
import { FeatureFusion, OutputHead } from "./heads.js";
import { STDCNet } from "./stdc-net.js";

export interface STDCSegOptions extends Omit<SegmentorOptions, "divisor"> {
  /** Blocks per backbone stage ([2, 2, 2] STDC1, [4, 5, 3] STDC2). */
  layers: [number, number, number];
  /** Backbone width (64 in the paper; smaller for tests). */
  base?: number;
  /** Width of the context path (128). */
  contextChannels?: number;
  /** Width of the fusion module and of the main head (256). */
  headChannels?: number;
  /** Middle width of the auxiliary and detail heads (64). */
  auxChannels?: number;
}

export class STDCSeg extends Segmentor {
  readonly cp: ContextPath;
  readonly ffm: FeatureFusion;
  readonly conv_out: OutputHead;
  readonly conv_out16: OutputHead;
  readonly conv_out32: OutputHead;
  readonly conv_out_sp16: OutputHead;
  readonly conv_out_sp8: OutputHead;
  readonly conv_out_sp4: OutputHead;
  readonly conv_out_sp2: OutputHead;

  constructor({ layers, base = 64, contextChannels = 128, headChannels = 256, auxChannels = 64, ...common }: STDCSegOptions) {
    super({ ...common, divisor: 1 });
    checkWidth("STDCSeg", "contextChannels", contextChannels);
    checkWidth("STDCSeg", "headChannels", headChannels, { min: 4 }); // the fusion attention squeezes to a quarter
    checkWidth("STDCSeg", "auxChannels", auxChannels);
    const backbone = new STDCNet({ layers, base });
    this.cp = this.registerModule("cp", new ContextPath(backbone, contextChannels));
    const [c2, c4, c8, c16] = backbone.outChannels;
    this.ffm = this.registerModule("ffm", new FeatureFusion(c8 + contextChannels, headChannels));
    this.conv_out = this.registerModule("conv_out", new OutputHead(headChannels, headChannels, this.numClasses));
    this.conv_out16 = this.registerModule("conv_out16", new OutputHead(contextChannels, auxChannels, this.numClasses));
    this.conv_out32 = this.registerModule("conv_out32", new OutputHead(contextChannels, auxChannels, this.numClasses));
    this.conv_out_sp16 = this.registerModule("conv_out_sp16", new OutputHead(c16, auxChannels, 1));
    this.conv_out_sp8 = this.registerModule("conv_out_sp8", new OutputHead(c8, auxChannels, 1));
    this.conv_out_sp4 = this.registerModule("conv_out_sp4", new OutputHead(c4, auxChannels, 1));
    this.conv_out_sp2 = this.registerModule("conv_out_sp2", new OutputHead(c2, auxChannels, 1));
    // Kept so that the authors' checkpoints load with no unexpected keys, but never run by their
    // segmentation training (boundary at stride 8 only) nor here: frozen, so no optimizer touches them.
    for (const unused of [...backbone.classifierModules(), this.conv_out_sp16, this.conv_out_sp4, this.conv_out_sp2]) unused.requiresGrad_(false);
  }

  /** Main logits at the input size and, in `extra`, what training adds: [aux at stride 8, aux at stride 16, detail]. */
  #run(x: Tensor, withExtra: boolean): { logits: Tensor; extra: Tensor[] } {
    this.checkImage(x);
    const { features, context8, context16 } = this.cp.call(x);
    const f8 = features[2];
    const up = (t: Tensor): Tensor => torch.upsampleBilinear2d(t, spatial(x), true);
    const logits = up(this.conv_out.call(this.ffm.call(f8, context8)));
    if (!withExtra) return { logits, extra: [] };
    return { logits, extra: [up(this.conv_out16.call(context8)), up(this.conv_out32.call(context16)), this.conv_out_sp8.call(f8)] };
  }

  forward(x: Tensor): Tensor {
    return this.#run(x, false).logits;
  }

  /** The outputs of the authors' network with use_boundary_8: main and auxiliary logits at the input size, detail logits at stride 8. */
  forwardAll(x: Tensor): Tensor[] {
    return torch.tidy(() => {
      const { logits, extra } = this.#run(x, true);
      return [logits, ...extra];
    });
  }

  protected override losses(x: Tensor, target: Tensor): Record<string, Tensor> {
    const [logits, aux8, aux16, detail] = this.forwardAll(x);
    const { bce, dice } = detailLoss(detail, target);
    return {
      "decode.loss": this.pixelLoss(logits, target),
      "aux8.loss": this.pixelLoss(aux8, target),
      "aux16.loss": this.pixelLoss(aux16, target),
      "detail.bce": bce,
      "detail.dice": dice,
    };
  }
}
