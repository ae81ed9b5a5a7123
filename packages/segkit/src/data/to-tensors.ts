// Typed arrays → tensors, on the thread that trains.
import * as torch from "@segkit/torch";
import type { RawSample, Sample } from "./types.js";

/** N×3×H×W float32 images and N×H×W labels (bytes) as tensors; labels become int64. */
export function batchTensors(images: Float32Array, labels: Uint8Array, n: number, height: number, width: number): { images: torch.Tensor; labels: torch.Tensor } {
  return {
    images: torch.tensor(images, { shape: [n, 3, height, width] }),
    labels: torch.tensor(labels, { shape: [n, height, width], dtype: "int64" }),
  };
}

/** One sample (H×W×3 pixels) as a 3×H×W float32 image and an H×W int64 label map. */
export function sampleTensors(s: RawSample): Sample {
  return torch.tidy(() => {
    const hwc = torch.tensor(s.pixels, { shape: [s.height, s.width, 3] });
    const image = hwc.permute([2, 0, 1]).to("float32").contiguous();
    return { image, label: torch.tensor(s.label, { shape: [s.height, s.width], dtype: "int64" }), meta: s.meta };
  });
}
