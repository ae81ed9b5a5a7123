// torch.nn.functional: the functions the layers use, under PyTorch's names (camelCase) and argument order.
export * from "./activation.js";
export * from "./dropout.js";
export * from "./interpolate.js";
export * from "./misc.js";
export * from "./pad.js";
export * from "./pooling.js";
export * from "./sampling.js";
