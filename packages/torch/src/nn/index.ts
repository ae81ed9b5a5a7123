// torch.nn for TypeScript: Module, containers, layers, functional, init.
export { Module, type ForwardHook, type HookHandle, type LoadResult } from "./module.js";
export { Sequential, ModuleList, ModuleDict } from "./containers.js";
export * from "./layers/conv.js";
export * from "./layers/batchnorm.js";
export * from "./layers/norm.js";
export * from "./layers/linear.js";
export * from "./layers/dropout.js";
export * from "./layers/activation.js";
export * from "./layers/pooling.js";
export * from "./layers/resample.js";
export * from "./layers/embedding.js";
export * from "./layers/attention.js";
export * as init from "./init.js";
export * as functional from "./functional/index.js";
export { foldBatchNormIntoConv } from "./fusion.js";
