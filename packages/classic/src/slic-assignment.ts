/**
 * One SLIC assignment step: every pixel goes to the nearest centre whose window (±windowY, ±windowX
 * around it) holds it, by d = (dy² + dx²)·spatialWeight + colour distance·colourScale, ties to the
 * lowest centre index — what skimage's loop over centres in index order with a strict "nearer" test
 * gives. Pixels no window holds keep their label.
 *
 * Faster than that loop with the same result: each pixel first gets its distance to the centre it
 * had (when that centre's window still holds it), and a row of BLOCK pixels is skipped for a centre
 * when the centre's spatial term alone exceeds the largest of their distances: no pixel there can go
 * to it; TILE rows of blocks are skipped at once by their largest distance. After the first
 * iteration most pixels are near their centre's colour, so most of the far parts of the ±2S windows
 * are skipped (on CamVid 5.5 pixel visits per pixel instead of 15). The maxima are taken once per
 * step; distances only fall after that, so they stay upper bounds.
 */

/** Pixels per row block whose largest distance decides a skip. */
const BLOCK = 16;
/** Rows of blocks whose largest distance decides a skip of all of them. */
const TILE = 8;

export interface AssignmentOptions {
  spatialWeight: number;
  windowY: number;
  windowX: number;
}

/** The image and the state the assignment updates. */
export interface AssignmentState {
  feature: Float64Array;
  width: number;
  height: number;
  channels: number;
  /** k × (y, x, colour…). */
  centres: Float64Array;
  k: number;
  /** Per centre: its colour distance's factor (SLICO), else 1. */
  colourScale: Float64Array;
  labels: Int32Array;
  distance: Float64Array;
  /** Per centre: yMin, yMax, xMin, xMax of its window this step (yMin −1: the centre has no pixels). */
  windows: Int32Array;
  /** Per row and BLOCK columns: an upper bound of the pixels' distances. */
  blockMax: Float64Array;
  /** Per TILE rows and BLOCK columns: the largest of their blockMax. */
  tileMax: Float64Array;
}

export function assignmentState(feature: Float64Array, width: number, height: number, channels: number, centres: Float64Array, k: number): AssignmentState {
  return {
    feature, width, height, channels, centres, k,
    colourScale: new Float64Array(k).fill(1),
    labels: new Int32Array(width * height).fill(-1),
    distance: new Float64Array(width * height),
    windows: new Int32Array(k * 4),
    blockMax: new Float64Array(height * Math.ceil(width / BLOCK)),
    tileMax: new Float64Array(Math.ceil(height / TILE) * Math.ceil(width / BLOCK)),
  };
}

/** One assignment step; false when no centre has pixels (nothing can move). */
export function assignPixels(state: AssignmentState, o: AssignmentOptions): boolean {
  const any = placeWindows(state, o);
  seedDistances(state, o.spatialWeight);
  takeTileMaxima(state);
  const { k, windows } = state;
  for (let s = 0; s < k; s++) {
    if (windows[4 * s] < 0) continue;
    if (state.channels === 3) assignRgb(state, s, o.spatialWeight);
    else assignAny(state, s, o.spatialWeight);
  }
  return any;
}

/** Each centre's window, clipped to the image as skimage does (truncating the float bounds); false when no centre has pixels. */
export function placeWindows({ centres, k, channels, width, height, windows }: AssignmentState, o: AssignmentOptions): boolean {
  const stride = 2 + channels;
  let any = false;
  for (let s = 0; s < k; s++) {
    const cy = centres[s * stride];
    const cx = centres[s * stride + 1];
    if (Number.isNaN(cy)) {
      windows[4 * s] = -1; // a centre that lost all its pixels (skimage: 0/0) never wins
      continue;
    }
    any = true;
    windows[4 * s] = Math.trunc(Math.max(cy - o.windowY, 0));
    windows[4 * s + 1] = Math.trunc(Math.min(cy + o.windowY + 1, height));
    windows[4 * s + 2] = Math.trunc(Math.max(cx - o.windowX, 0));
    windows[4 * s + 3] = Math.trunc(Math.min(cx + o.windowX + 1, width));
  }
  return any;
}

/**
 * Each pixel's distance to its current centre when that centre's window holds it, the largest
 * number otherwise; and each row block's largest distance.
 */
function seedDistances({ feature, width, height, channels, centres, colourScale, labels, distance, windows, blockMax }: AssignmentState, spatialWeight: number): void {
  const blocks = Math.ceil(width / BLOCK);
  for (let y = 0; y < height; y++) {
    for (let b = 0; b < blocks; b++) {
      let max = 0;
      const end = Math.min(width, (b + 1) * BLOCK);
      for (let x = b * BLOCK, p = y * width + x; x < end; x++, p++) {
        const s = labels[p];
        const d = s >= 0 && inWindow(windows, s, y, x) ? centreDistance(feature, channels, centres, colourScale, s, p, y, x, spatialWeight) : Number.MAX_VALUE;
        distance[p] = d;
        if (d > max) max = d;
      }
      blockMax[y * blocks + b] = max;
    }
  }
}

function takeTileMaxima({ width, height, blockMax, tileMax }: AssignmentState): void {
  const blocks = Math.ceil(width / BLOCK);
  tileMax.fill(0);
  for (let y = 0; y < height; y++) {
    const tile = Math.floor(y / TILE) * blocks;
    for (let b = 0; b < blocks; b++) if (blockMax[y * blocks + b] > tileMax[tile + b]) tileMax[tile + b] = blockMax[y * blocks + b];
  }
}

export function inWindow(windows: Int32Array, s: number, y: number, x: number): boolean {
  return windows[4 * s] >= 0 && y >= windows[4 * s] && y < windows[4 * s + 1] && x >= windows[4 * s + 2] && x < windows[4 * s + 3];
}

/** Pixel p's (at y, x) distance to centre s, with the same bits as assignRgb and assignAny compute it. */
export function centreDistance(feature: Float64Array, channels: number, centres: Float64Array, colourScale: Float64Array, s: number, p: number, y: number, x: number, spatialWeight: number): number {
  const stride = 2 + channels;
  const cy = centres[s * stride];
  const cx = centres[s * stride + 1];
  const dy = (cy - y) * (cy - y);
  const dx = (cx - x) * (cx - x);
  let colour = 0;
  if (channels === 3) {
    const t0 = feature[3 * p] - centres[s * stride + 2];
    const t1 = feature[3 * p + 1] - centres[s * stride + 3];
    const t2 = feature[3 * p + 2] - centres[s * stride + 4];
    colour = t0 * t0 + t1 * t1 + t2 * t2;
  } else {
    for (let c = 0; c < channels; c++) {
      const t = feature[p * channels + c] - centres[s * stride + 2 + c];
      colour += t * t;
    }
  }
  return (dy + dx) * spatialWeight + colour * colourScale[s];
}

/**
 * The least (c − v)² over the whole v in [v0, v1): with it for columns (and rows), no pixel of a block
 * (tile) is nearer a centre than (dy + dx bound)·spatialWeight. Computed as the per-pixel terms are,
 * so the bound is exact.
 */
function leastSquaredOffset(c: number, v0: number, v1: number): number {
  if (c <= v0) return (c - v0) * (c - v0);
  if (c >= v1 - 1) return (c - (v1 - 1)) * (c - (v1 - 1));
  return 0;
}

/** Centre s against the pixels of its window that it may win; the RGB/Lab case unrolled (SLIC's hot loop). */
function assignRgb({ feature, width, centres, colourScale, labels, distance, windows, blockMax, tileMax }: AssignmentState, s: number, spatialWeight: number): void {
  const blocks = Math.ceil(width / BLOCK);
  const cy = centres[5 * s];
  const cx = centres[5 * s + 1];
  const c0 = centres[5 * s + 2];
  const c1 = centres[5 * s + 3];
  const c2 = centres[5 * s + 4];
  const scale = colourScale[s];
  const yMin = windows[4 * s];
  const yMax = windows[4 * s + 1];
  const xMin = windows[4 * s + 2];
  const xMax = windows[4 * s + 3];
  for (let tile = Math.floor(yMin / TILE); tile * TILE < yMax; tile++) {
    const y0 = Math.max(yMin, tile * TILE);
    const y1 = Math.min(yMax, (tile + 1) * TILE);
    const tileDy = leastSquaredOffset(cy, y0, y1);
    for (let b = Math.floor(xMin / BLOCK); b * BLOCK < xMax; b++) {
      const x0 = Math.max(xMin, b * BLOCK);
      const x1 = Math.min(xMax, (b + 1) * BLOCK);
      const blockDx = leastSquaredOffset(cx, x0, x1);
      if ((tileDy + blockDx) * spatialWeight > tileMax[tile * blocks + b]) continue;
      for (let y = y0; y < y1; y++) {
        const dy = (cy - y) * (cy - y);
        if ((dy + blockDx) * spatialWeight > blockMax[y * blocks + b]) continue;
        for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
          const dx = (cx - x) * (cx - x);
          const t0 = feature[3 * p] - c0;
          const t1 = feature[3 * p + 1] - c1;
          const t2 = feature[3 * p + 2] - c2;
          const d = (dy + dx) * spatialWeight + (t0 * t0 + t1 * t1 + t2 * t2) * scale;
          const current = distance[p];
          if (d < current || (d === current && s < labels[p])) {
            labels[p] = s;
            distance[p] = d;
          }
        }
      }
    }
  }
}

/** assignRgb for any number of channels. */
function assignAny({ feature, width, channels, centres, colourScale, labels, distance, windows, blockMax, tileMax }: AssignmentState, s: number, spatialWeight: number): void {
  const blocks = Math.ceil(width / BLOCK);
  const stride = 2 + channels;
  const cy = centres[s * stride];
  const cx = centres[s * stride + 1];
  const scale = colourScale[s];
  const yMin = windows[4 * s];
  const yMax = windows[4 * s + 1];
  const xMin = windows[4 * s + 2];
  const xMax = windows[4 * s + 3];
  for (let tile = Math.floor(yMin / TILE); tile * TILE < yMax; tile++) {
    const y0 = Math.max(yMin, tile * TILE);
    const y1 = Math.min(yMax, (tile + 1) * TILE);
    const tileDy = leastSquaredOffset(cy, y0, y1);
    for (let b = Math.floor(xMin / BLOCK); b * BLOCK < xMax; b++) {
      const x0 = Math.max(xMin, b * BLOCK);
      const x1 = Math.min(xMax, (b + 1) * BLOCK);
      const blockDx = leastSquaredOffset(cx, x0, x1);
      if ((tileDy + blockDx) * spatialWeight > tileMax[tile * blocks + b]) continue;
      for (let y = y0; y < y1; y++) {
        const dy = (cy - y) * (cy - y);
        if ((dy + blockDx) * spatialWeight > blockMax[y * blocks + b]) continue;
        for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
          const dx = (cx - x) * (cx - x);
          let colour = 0;
          for (let c = 0; c < channels; c++) {
            const t = feature[p * channels + c] - centres[s * stride + 2 + c];
            colour += t * t;
          }
          const d = (dy + dx) * spatialWeight + colour * scale;
          const current = distance[p];
          if (d < current || (d === current && s < labels[p])) {
            labels[p] = s;
            distance[p] = d;
          }
        }
      }
    }
  }
}
