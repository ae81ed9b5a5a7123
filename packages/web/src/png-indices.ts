// Class ids from a label PNG as stored, not as colours: 8-bit palette (the index) and 8- or 16-bit
// grey (the value), non-interlaced — the label maps `segkit predict` and `segkit serve` write and
// `segkit eval` reads. Decoded here with DecompressionStream because a canvas would give colours.
export interface IndexMap {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** PNG filter types 0–4 undone in place, row by row (bpp: bytes per pixel). */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? row[x - bpp] : 0;
      const b = up[x];
      const c = x >= bpp ? up[x - bpp] : 0;
      let predictor = 0;
      if (type === 1) predictor = a;
      else if (type === 2) predictor = b;
      else if (type === 3) predictor = (a + b) >> 1;
      else if (type === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (type !== 0) throw new Error(`row ${y} has PNG filter type ${type}`);
      row[x] = (line[x] + predictor) & 0xff;
    }
  }
  return out;
}

export async function decodeIndexPng(bytes: Uint8Array, name: string): Promise<IndexMap> {
  if (bytes.length < 33 || !SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error(`${name}: not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [bitDepth, colourType, , , interlace] = bytes.subarray(24, 29);
  const supported = (colourType === 3 && bitDepth === 8) || (colourType === 0 && (bitDepth === 8 || bitDepth === 16));
  if (!supported || interlace !== 0) throw new Error(`${name}: label maps here must be 8-bit palette or 8/16-bit grey PNGs without interlacing (colour type ${colourType}, ${bitDepth}-bit)`);
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === "IEND") break;
    at += 12 + length;
  }
  const compressed = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  idat.reduce((at, c) => (compressed.set(c, at), at + c.length), 0);
  const bpp = bitDepth / 8;
  const pixels = unfilter(await inflate(compressed), width, height, bpp);
  if (bpp === 1) return { width, height, data: pixels };
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (pixels[2 * i] << 8) | pixels[2 * i + 1];
  return { width, height, data };
}
