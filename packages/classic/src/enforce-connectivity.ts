/**
 * SLIC's connectivity enforcement as skimage does it: scanning in raster order, each unvisited
 * pixel starts a 4-connected flood fill over its label (stopped at `maxSize` pixels); a piece
 * smaller than `minSize` takes the label of the last already-relabelled neighbour the fill met,
 * otherwise it becomes a new superpixel. Output labels are 0..count-1 in order of first pixel.
 */
export function enforceConnectivity(labels: Int32Array, width: number, height: number, minSize: number, maxSize: number): { labels: Int32Array; count: number } {
  const out = new Int32Array(labels.length).fill(-1);
  const queue = new Int32Array(Math.max(maxSize, 1));
  let next = 0;
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] < 0 || out[start] >= 0) continue;
    const label = labels[start];
    let adjacent = next;
    out[start] = next;
    queue[0] = start;
    let size = 1;
    for (let head = 0; head < size && size < maxSize; head++) {
      const p = queue[head];
      const x = p % width;
      const y = (p - x) / width;
      // Neighbours in skimage's order: x+1, x-1, y+1, y-1.
      for (let i = 0; i < 4; i++) {
        const q = i === 0 ? (x + 1 < width ? p + 1 : -1) : i === 1 ? (x > 0 ? p - 1 : -1) : i === 2 ? (y + 1 < height ? p + width : -1) : y > 0 ? p - width : -1;
        if (q < 0) continue;
        if (labels[q] === label && out[q] < 0) {
          out[q] = next;
          queue[size++] = q;
          if (size >= maxSize) break;
        } else if (out[q] >= 0 && out[q] !== next) {
          adjacent = out[q];
        }
      }
    }
    if (size < minSize) {
      for (let i = 0; i < size; i++) out[queue[i]] = adjacent;
    } else {
      next++;
    }
  }
  // A last piece too small to stand alone, with no labelled neighbour, kept the label `next`.
  return { labels: out, count: out.includes(next) ? next + 1 : next };
}
