// segkit's data API: dataset formats and transforms (registered by name for configs), the loader,
// and dataset inspection.
import "./datasets/index.js";
import "./transforms/index.js";

export type { Dataset, RawSample, Rgb, Sample, SampleMeta, Transform } from "./types.js";
export { Rng } from "./rng.js";
export { PairDataset, type FilePair } from "./datasets/pair-dataset.js";
export { SyntheticDataset, SYNTHETIC_CLASSES, SYNTHETIC_PALETTE } from "./datasets/synthetic.js";
export { CAMVID_CLASSES, CAMVID_PALETTE } from "./datasets/camvid.js";
export { CITYSCAPES_CLASSES, CITYSCAPES_PALETTE } from "./datasets/cityscapes.js";
export { ADE20K_CLASSES } from "./datasets/ade20k.js";
export { VOC_CLASSES } from "./datasets/voc.js";
export { PASCAL_CONTEXT_CLASSES } from "./datasets/pascal-context.js";
export { COCO_STUFF_CLASSES } from "./datasets/coco-stuff.js";
export type { Instance, InstanceDataset, PanopticDataset, PanopticTarget, SegmentInfo } from "./segments/types.js";
export { SyntheticPanopticDataset, SYNTHETIC_PANOPTIC_CLASSES, SYNTHETIC_PANOPTIC_PALETTE } from "./datasets/synthetic-panoptic.js";
export { CocoInstancesDataset } from "./datasets/coco-instances.js";
export { CocoPanopticDataset } from "./datasets/coco-panoptic.js";
export { CityscapesPanopticDataset } from "./datasets/cityscapes-panoptic.js";
export { vocColourMap } from "./datasets/palette.js";
export { buildPipeline } from "./transforms/pipeline.js";
export { IMAGENET_MEAN, IMAGENET_STD } from "./transforms/normalize.js";
export { DataLoader, type Batch, type LoaderOptions } from "./loader/data-loader.js";
export { inspectDataset, formatReport, type DatasetReport, type ClassStats } from "./inspect.js";
