// Registers every dataset format with the config registry (kind "dataset").
import "./camvid.js";
import "./cityscapes.js";
import "./ade20k.js";
import "./voc.js";
import "./pascal-context.js";
import "./coco-stuff.js";
import "./coco-instances.js";
import "./coco-panoptic.js";
import "./cityscapes-panoptic.js";
import "./folder.js";
import "./binary.js";
import "./synthetic.js";
import "./synthetic-panoptic.js";
