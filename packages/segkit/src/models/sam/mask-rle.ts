// SAM's masks as COCO RLE (what the reference's amg utilities write), through @segkit/metrics' encoder.
import * as torch from "@segkit/torch";
import type { Tensor } from "@segkit/torch";
import { rleEncode, type Rle } from "@segkit/metrics";

/** Boolean masks (B, H, W) → one RLE each. */
export function masksToRle(masks: Tensor): Rle[] {
  const [b, h, w] = masks.shape;
  const pixels = torch.tidy(() => masks.contiguous().to("uint8").toTypedArray()) as Uint8Array;
  const n = h * w;
  return Array.from({ length: b }, (_, i) => rleEncode(pixels.subarray(i * n, (i + 1) * n), h, w));
}
