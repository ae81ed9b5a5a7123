// segkit: semantic image segmentation for TypeScript. The library surface grows with the model,
// loss, data and engine modules; today it re-exports the engine and the metrics.
export * as torch from "@segkit/torch";
export * as metrics from "@segkit/metrics";
