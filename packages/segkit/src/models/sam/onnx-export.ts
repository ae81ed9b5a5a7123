// ONNX export of SAM in the two parts a web page runs: the image encoder (once per image, on the
// normalised, padded image) and the prompt decoder (per click, on the embedding). Each is recorded,
// checked against the model on another random input and written atomically. The decoder graph takes
// any number of prompt points, as the reference's (its dynamic num_points axis): the token counts
// reach the attention's reshapes as sizes the graph computes (sizeOf), which a second recording at
// another count proves (the same graph), and the check runs it at that count.
import * as torch from "@segkit/torch";
import type { nn, Tensor } from "@segkit/torch";
import type { Sam } from "./sam.js";
import { SamPromptDecoder } from "./onnx-decoder.js";

export const SAM_DECODER_INPUTS = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input"];
export const SAM_DECODER_OUTPUTS = ["low_res_masks", "iou_predictions"];

/** Example decoder inputs with `points` prompt points (random coordinates in the input frame, labels −1..3). */
export function decoderExample(sam: Sam, points: number): Tensor[] {
  const [h, w] = sam.prompt_encoder.embeddingSize;
  return torch.tidy(() => [
    torch.randn([1, sam.prompt_encoder.embedDim, h, w]),
    torch.rand([1, points, 2]).mul(sam.imgSize),
    torch.randint(-1, 4, [1, points]).to("float32"),
    torch.randn([1, 1, 4 * h, 4 * w]),
    torch.ones([1]),
  ]);
}

function disposeAll(tensors: Tensor[]): void {
  for (const t of tensors) t.dispose();
}

/** The point axis of the decoder's prompt inputs, free in the file. */
const SAM_DECODER_DYNAMIC_AXES = { point_coords: { 1: "num_points" }, point_labels: { 1: "num_points" } };

/** What names a recorded prompt graph's inputs, outputs and the graph itself. */
export interface PromptGraphNames {
  inputNames: string[];
  outputNames: string[];
  name: string;
}

/**
 * Records `module` on `first` and `second` (examples with different point counts), refuses a graph
 * that took the count as a constant, checks the recording on `second` and writes it to `out` with
 * a free point axis; returns the check's relative difference. Disposes the examples.
 */
export function exportPromptGraph(module: nn.Module, [first, second]: Tensor[][], out: string, names: PromptGraphNames): number {
  try {
    return torch.tidy(() => {
      const recording = torch.recordForward(module, first);
      try {
        const other = torch.recordForward(module, second);
        let baked: string | null;
        try {
          baked = torch.bakedSizes(recording, other);
        } finally {
          other.dispose();
        }
        if (baked !== null) throw new Error(`${names.name}: the graph holds for one number of points only (${baked})`);
        const difference = torch.checkRecording(recording, module, second);
        torch.saveOnnx(recording, out, { ...names, dynamicAxes: SAM_DECODER_DYNAMIC_AXES });
        return difference;
      } finally {
        recording.dispose();
      }
    });
  } finally {
    disposeAll([...first, ...second]);
  }
}

/**
 * Writes the prompt encoder + mask decoder graph, for any number of prompt points (a box counts
 * two), to `out`; returns the relative difference measured on a check input with another count.
 */
export function exportSamDecoder(sam: Sam, out: string): number {
  sam.eval();
  return exportPromptGraph(new SamPromptDecoder(sam), [decoderExample(sam, 2), decoderExample(sam, 5)], out,
    { inputNames: SAM_DECODER_INPUTS, outputNames: SAM_DECODER_OUTPUTS, name: "sam_prompt_decoder" });
}

/** Writes the image encoder graph (input "image": normalised and padded, (1, 3, S, S); output "image_embeddings") to `out`. */
export function exportSamImageEncoder(sam: Sam, out: string): number {
  sam.eval();
  const size = sam.imgSize;
  const [first, second] = [torch.randn([1, 3, size, size]), torch.randn([1, 3, size, size])];
  try {
    return torch.tidy(() => {
      const recording = torch.recordForward(sam.image_encoder, [first]);
      try {
        const difference = torch.checkRecording(recording, sam.image_encoder, [second]);
        torch.saveOnnx(recording, out, { inputNames: ["image"], outputNames: ["image_embeddings"], name: "sam_image_encoder" });
        return difference;
      } finally {
        recording.dispose();
      }
    });
  } finally {
    disposeAll([first, second]);
  }
}
