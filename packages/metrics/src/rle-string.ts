// COCO's compressed RLE "counts" string (pycocotools' rleToString/rleFrString): from the fourth run
// on, each count is stored as its difference to the count two runs back, written LEB128-style in
// 5-bit groups, low group first, one character per group ('0' + group, +32 when more follow; the
// last group's top bit is the sign). Arithmetic instead of bit operations keeps counts beyond 2³¹.
import type { Rle } from "./rle.js";

const FIRST = 48; // '0'
const LAST = FIRST + 63; // 'o'

/** The compressed form of `rle.counts`. */
export function rleToString({ counts }: Rle): string {
  let out = "";
  for (let i = 0; i < counts.length; i++) {
    let x = i > 2 ? counts[i] - counts[i - 2] : counts[i];
    for (let more = true; more; ) {
      const group = x - 32 * Math.floor(x / 32);
      x = Math.floor(x / 32);
      more = group & 0x10 ? x !== -1 : x !== 0;
      out += String.fromCharCode(FIRST + group + (more ? 0x20 : 0));
    }
  }
  return out;
}

/** The RLE of a compressed counts string for an image of [height, width]; `where` names it in errors. */
export function rleFromString(text: string, height: number, width: number, where = "counts"): Rle {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let scale = 1;
    for (let more = true; more; p++, scale *= 32) {
      if (p >= text.length) throw new RangeError(`${where}: the string ends inside a count (character ${p})`);
      const code = text.charCodeAt(p);
      if (code < FIRST || code > LAST) throw new RangeError(`${where}: character ${p} ${JSON.stringify(text[p])} is not in '0'..'o'`);
      const c = code - FIRST;
      x += (c & 0x1f) * scale;
      more = (c & 0x20) !== 0;
      if (!more && c & 0x10) x -= scale * 32; // the sign: the groups read as a negative number
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    if (x < 0) throw new RangeError(`${where}: count ${counts.length} decodes to ${x}, below 0`);
    counts.push(x);
  }
  return { size: [height, width], counts };
}
