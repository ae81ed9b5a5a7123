// Removing small disconnected regions ("islands") or small holes from a binary mask, as the
// reference's remove_small_regions does with OpenCV's 8-connected components: components under the
// area threshold are dropped (islands) or filled (holes); when every island is small, the largest stays.

/** 8-connected component labels (0 = background, 1.. in raster order of first pixel) and their areas (index = label). */
function components(on: Uint8Array, h: number, w: number): { labels: Int32Array; areas: number[] } {
  const labels = new Int32Array(h * w);
  const areas = [0];
  const stack: number[] = [];
  for (let start = 0; start < h * w; start++) {
    if (!on[start] || labels[start]) continue;
    const label = areas.length;
    let area = 0;
    labels[start] = label;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      area++;
      const y = Math.trunc(p / w);
      const x = p - y * w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const ny = y + dy;
          const nx = x + dx;
          if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
          const q = ny * w + nx;
          if (on[q] && !labels[q]) {
            labels[q] = label;
            stack.push(q);
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

/** The mask (row-major H·W) with small islands or holes removed, and whether anything changed. */
export function removeSmallRegions(mask: Uint8Array, [h, w]: number[], areaThreshold: number, mode: "holes" | "islands"): { mask: Uint8Array; changed: boolean } {
  const holes = mode === "holes";
  const working = holes ? mask.map((v) => (v ? 0 : 1)) : mask;
  const { labels, areas } = components(working, h, w);
  const small = new Set<number>();
  for (let label = 1; label < areas.length; label++) if (areas[label] < areaThreshold) small.add(label);
  if (small.size === 0) return { mask, changed: false };
  let foreground: (label: number) => boolean;
  if (holes) {
    // Background pixels (label 0 of the inverted mask) and small holes become foreground.
    foreground = (label) => label === 0 || small.has(label);
  } else {
    const kept = new Set<number>();
    for (let label = 1; label < areas.length; label++) if (!small.has(label)) kept.add(label);
    if (kept.size === 0) kept.add(areas.indexOf(Math.max(...areas.slice(1)), 1));
    foreground = (label) => kept.has(label);
  }
  return { mask: Uint8Array.from(labels, (label) => (foreground(label) ? 1 : 0)), changed: true };
}
