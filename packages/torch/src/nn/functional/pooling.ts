// Pooling functions; the aten ops share torch.nn.functional's argument order.
export {
  maxPool1d, maxPool2d, maxPool3d, maxPool2dWithIndices, maxUnpool2d, avgPool1d, avgPool2d, avgPool3d,
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveAvgPool3d, adaptiveMaxPool1d, adaptiveMaxPool2d,
} from "../../generated/ops.js";
