// A COCO annotation's "segmentation" as an RLE, as pycocotools' COCO.annToRLE reads it: polygons
// ([[x, y, …], …], parts merged), an uncompressed RLE ({ size, counts: [runs] }) or a compressed
// one ({ size, counts: "string" }). Everything is checked, and errors name the key path. Unlike
// pycocotools, a polygon of two points is refused (it would read the list as boxes).
import { checkRle, rleDecode, rleFromPolygon, rleFromString, rleMerge, type Rle } from "@segkit/metrics";

export function segmentationRle(segmentation: unknown, height: number, width: number, path: string): Rle {
  if (Array.isArray(segmentation)) {
    if (segmentation.length === 0) throw new Error(`${path} lists no polygon`);
    return rleMerge(segmentation.map((polygon, i) => {
      if (!Array.isArray(polygon) || polygon.length < 6 || polygon.length % 2 !== 0 || !polygon.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new Error(`${path}[${i}] must be x, y pairs (at least 3) of finite numbers`);
      }
      return rleFromPolygon(polygon, height, width);
    }));
  }
  if (typeof segmentation !== "object" || segmentation === null || !("counts" in segmentation) || !("size" in segmentation)) {
    throw new Error(`${path} must be polygons ([[x, y, …], …]) or an RLE ({ size, counts })`);
  }
  const { size, counts } = segmentation as { size: unknown; counts: unknown };
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== height || size[1] !== width) {
    throw new Error(`${path}.size ${JSON.stringify(size)} is not the image's [${height},${width}]`);
  }
  let rle: Rle;
  if (typeof counts === "string") rle = rleFromString(counts, height, width, `${path}.counts`);
  else if (Array.isArray(counts)) rle = { size: [height, width], counts: counts as number[] };
  else throw new Error(`${path}.counts must be a string (compressed) or a list of runs, got ${typeof counts}`);
  checkRle(rle, path);
  return rle;
}

/** The row-major H×W mask of a segmentation. */
export function segmentationMask(segmentation: unknown, height: number, width: number, path: string): Uint8Array {
  return rleDecode(segmentationRle(segmentation, height, width, path));
}
