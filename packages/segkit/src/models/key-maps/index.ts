// The key maps, each registered where it is defined.
import "./torchvision.js";
import "./mmseg.js";
import "./timm.js";
import "./hrnet.js";
import "./mmseg-upernet.js";
import "./mmseg-swin.js";
import "./mmseg-convnext.js";
import "./yolact.js";

export { keyMapNamed } from "./key-map.js";
