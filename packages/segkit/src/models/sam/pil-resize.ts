// Pillow's bilinear resize of 8-bit images (Image.resize(..., BILINEAR), as the authors' ResizeLongestSide
// calls it through torchvision), computed the way Pillow computes it so SAM sees the same input
// pixels: separable passes (horizontal, then vertical), each output a triangle-filter average whose
// support widens with the downscale factor (antialiasing), weights normalised and turned into 22-bit
// fixed point, each pass rounded and clipped to 0-255.
const PRECISION_BITS = 32 - 8 - 2;

interface Taps {
  /** First input index and tap count per output index. */
  start: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `width` per output index. */
  weights: Int32Array;
  width: number;
}

function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter's support is 1
  const width = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * width);
  const k = new Float64Array(width);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const n = Math.min(Math.trunc(centre + support + 0.5), inSize) - lo;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs((i + lo - centre + 0.5) / filterScale);
      k[i] = d < 1 ? 1 - d : 0;
      total += k[i];
    }
    for (let i = 0; i < n; i++) {
      const w = total !== 0 ? k[i] / total : k[i];
      weights[o * width + i] = Math.trunc(w < 0 ? -0.5 + w * 2 ** PRECISION_BITS : 0.5 + w * 2 ** PRECISION_BITS);
    }
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, width };
}

/** Where a pass reads or writes: the first sample, samples `stride` apart along the axis, lines `lineStride` apart. */
interface Layout {
  offset: number;
  stride: number;
  lineStride: number;
}

/** One pass along an axis over `lines` lines: `outSize` outputs from the taps' inputs. */
function pass(src: Uint8Array, from: Layout, dst: Uint8Array, to: Layout, t: Taps, lines: number, outSize: number): void {
  const half = 1 << (PRECISION_BITS - 1);
  const inStride = from.stride;
  const outStride = to.stride;
  for (let line = 0; line < lines; line++) {
    const inBase = from.offset + line * from.lineStride;
    const outBase = to.offset + line * to.lineStride;
    for (let o = 0; o < outSize; o++) {
      let sum = half;
      const first = t.start[o];
      const row = o * t.width;
      for (let i = 0; i < t.count[o]; i++) sum += src[inBase + (first + i) * inStride] * t.weights[row + i];
      const v = sum >> PRECISION_BITS;
      dst[outBase + o * outStride] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/** Resizes interleaved 8-bit pixels (height × width × channels) to [outHeight, outWidth] as Pillow's BILINEAR. */
export function pilBilinearResize(pixels: Uint8Array, [height, width, channels]: number[], [outHeight, outWidth]: number[]): Uint8Array {
  let current = pixels;
  let currentWidth = width;
  if (outWidth !== width) {
    const t = taps(width, outWidth);
    const out = new Uint8Array(height * outWidth * channels);
    for (let c = 0; c < channels; c++) {
      pass(current, { offset: c, stride: channels, lineStride: width * channels }, out, { offset: c, stride: channels, lineStride: outWidth * channels }, t, height, outWidth);
    }
    current = out;
    currentWidth = outWidth;
  }
  if (outHeight !== height) {
    const t = taps(height, outHeight);
    const out = new Uint8Array(outHeight * currentWidth * channels);
    const rowStride = currentWidth * channels;
    // Each column of each channel is a line; lines are 1 apart in memory.
    pass(current, { offset: 0, stride: rowStride, lineStride: 1 }, out, { offset: 0, stride: rowStride, lineStride: 1 }, t, rowStride, outHeight);
    current = out;
  }
  return current === pixels ? pixels.slice() : current;
}
