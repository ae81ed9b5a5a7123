import { floatSamples } from "./float-image.js";
import { checkImage, type Image } from "./image.js";

// ITU-R 709 luma weights, as skimage.color.rgb2gray uses them.
const LUMA = [0.2125, 0.7154, 0.0721];

/** The grey image of an RGB image, as floats in [0, 1] for 8-bit input (skimage's rgb2gray). */
export function rgbToGrey(image: Image): Image {
  checkImage("rgbToGrey", "image", image, [3]);
  const rgb = floatSamples(image);
  const data = new Float64Array(image.width * image.height);
  for (let p = 0; p < data.length; p++) data[p] = rgb[3 * p] * LUMA[0] + rgb[3 * p + 1] * LUMA[1] + rgb[3 * p + 2] * LUMA[2];
  return { width: image.width, height: image.height, channels: 1, data };
}
