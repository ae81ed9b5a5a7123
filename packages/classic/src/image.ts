/**
 * The image and label-map shapes every algorithm here takes: pixels in row-major order, channels
 * interleaved (H×W×C, as a decoder hands them over), and checks that name the offending argument.
 */

/** A width×height image with `channels` interleaved samples per pixel (1 = grey, 3 = RGB). */
export interface Image {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
}

/** A width×height map of integer labels, row-major. */
export interface LabelMap {
  width: number;
  height: number;
  labels: Int32Array;
}

/** Throws unless `image` is a non-empty, consistent image with finite samples; `name` is how errors call it. */
export function checkImage(where: string, name: string, image: Image, channels?: readonly number[]): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${where}: ${name} has zero or invalid size ${width}×${height}`);
  }
  if (!Number.isInteger(image.channels) || image.channels < 1) throw new RangeError(`${where}: ${name}.channels must be a positive integer, got ${image.channels}`);
  if (channels && !channels.includes(image.channels)) {
    throw new RangeError(`${where}: ${name} has ${image.channels} channels; expected ${channels.join(" or ")}`);
  }
  if (data.length !== width * height * image.channels) {
    throw new RangeError(`${where}: ${name}.data has ${data.length} samples, expected ${width}×${height}×${image.channels} = ${width * height * image.channels}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`${where}: ${name}.data[${i}] is ${data[i]}; samples must be finite`);
  }
}

/** Throws unless `labels` is a non-empty width×height label map. */
export function checkLabelMap(where: string, name: string, map: LabelMap): void {
  const { width, height, labels } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${where}: ${name} has zero or invalid size ${width}×${height}`);
  }
  if (labels.length !== width * height) {
    throw new RangeError(`${where}: ${name}.labels has ${labels.length} entries, expected ${width}×${height} = ${width * height}`);
  }
}

/** Throws unless two inputs have the same width and height. */
export function checkSameSize(where: string, a: { width: number; height: number }, aName: string, b: { width: number; height: number }, bName: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${where}: ${bName} is ${b.width}×${b.height} but ${aName} is ${a.width}×${a.height}`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(where: string, name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${where}: ${name} must be an integer ${range}, got ${value}`);
  }
}

/** Throws unless `value` is a finite number ≥ min (or > min when `strict`). */
export function checkNumber(where: string, name: string, value: number, min: number, strict = false): void {
  if (!Number.isFinite(value) || value < min || (strict && value === min)) {
    throw new RangeError(`${where}: ${name} must be a finite number ${strict ? ">" : "≥"} ${min}, got ${value}`);
  }
}
