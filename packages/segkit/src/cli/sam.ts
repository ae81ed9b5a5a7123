/**
 * `segkit sam IMAGE --checkpoint FILE (--points x,y[,label]... | --box x0,y0,x1,y1 | --auto) --out DIR`:
 * Segment Anything on one image with a checkpoint in the authors' layout (the official
 * sam_vit_b/l/h .pth files, or safetensors with the same keys). Writes DIR/<image name>_sam_<i>.png
 * (one binary mask each: 0 background, 1 mask), DIR/<image name>_sam_overlay.png (masks tinted over
 * the image) and DIR/<image name>_sam.json (scores, boxes, areas, the prompt; RLEs for --auto).
 */
import { mkdirSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import * as torch from "@segkit/torch";
import { readRgbImage } from "../data/image-file.js";
import type { Rgb } from "../data/types.js";
import { writeLabelPng } from "../io/label-png-writer.js";
import { writeRgbPng } from "../io/rgb-png-writer.js";
import { rleDecode } from "@segkit/metrics";
import { SAM_DECODER_BACKENDS, Sam, SamAutomaticMaskGenerator, SamPredictor, samOptionsFromCheckpoint, type PointPrompt, type SamDecoderBackend } from "../models/sam/index.js";
import { integer } from "./eval.js";

interface SamCliOptions {
  checkpoint: string;
  out: string;
  points?: number[][];
  box?: number[];
  auto?: boolean;
  single?: boolean;
  decoder: SamDecoderBackend;
  decoderHeads: number;
  pointsPerSide: number;
  predIouThresh: number;
  stabilityThresh: number;
  cropLayers: number;
  minRegionArea: number;
}

/** "a,b,c" → numbers, `sizes` the allowed counts; errors name the option. */
function numbers(option: string, sizes: number[], what: string) {
  return (value: string): number[] => {
    const parts = value.split(",");
    const values = parts.map(Number);
    if (!sizes.includes(parts.length) || parts.some((p) => p.trim() === "") || values.some((v) => !Number.isFinite(v))) {
      throw new InvalidArgumentError(`${option} takes ${what}, got "${value}"`);
    }
    return values;
  };
}

function fraction(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${option} must be a number in [0, 1], got "${value}"`);
    return n;
  };
}

function checkInside(option: string, [x, y]: number[], width: number, height: number): void {
  if (!(x >= 0 && x <= width && y >= 0 && y <= height)) throw new Error(`${option}: (${x}, ${y}) is outside the ${width}×${height} image`);
}

/** The model the checkpoint holds, its weights loaded (any key difference is an error naming the file). */
export function loadSam(file: string, decoderHeads: number): Sam {
  let tensors: Map<string, torch.Tensor>;
  try {
    ({ tensors } = torch.loadWeights(file));
  } catch (e) {
    throw new Error(`--checkpoint: ${(e as Error).message}`);
  }
  try {
    const sam = new Sam(samOptionsFromCheckpoint(tensors, `--checkpoint ${file}`, decoderHeads));
    const { missingKeys, unexpectedKeys, mismatchedKeys } = sam.loadStateDict(tensors, { strict: false });
    if (missingKeys.length + unexpectedKeys.length + mismatchedKeys.length > 0) {
      sam.dispose();
      throw new Error(`--checkpoint ${file}: keys differ from SAM's (missing ${missingKeys.join(", ") || "none"}; unexpected ${unexpectedKeys.join(", ") || "none"}; shapes differ ${mismatchedKeys.join(", ") || "none"})`);
    }
    return sam.eval();
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Distinct tints (golden-angle hues), mask i gets TINTS(i). */
function tint(i: number): Rgb {
  const h = (i * 137.508) % 360;
  const f = (k: number): number => {
    const t = (k + h / 60) % 6;
    return Math.round(255 * (1 - Math.max(0, Math.min(t, 4 - t, 1))));
  };
  return [f(5), f(3), f(1)];
}

export function registerSam(program: Command): void {
  program
    .command("sam")
    .description("Segment Anything: masks from clicks (--points), a box (--box) or for everything (--auto), with an official SAM checkpoint")
    .argument("<image>", "an image file (PNG, JPEG, …)")
    .requiredOption("--checkpoint <file>", "SAM weights in the authors' layout: sam_vit_b_01ec64.pth, sam_vit_l_0b3195.pth, sam_vit_h_4b8939.pth, or safetensors")
    .requiredOption("--out <dir>", "output folder")
    .option("--points <x,y[,label]...>", "clicks in image pixels; label 1 foreground (default), 0 background", (v: string, all: number[][] = []) => [...all, numbers("--points", [2, 3], "x,y or x,y,label")(v)])
    .option("--box <x0,y0,x1,y1>", "a box in image pixels", numbers("--box", [4], "x0,y0,x1,y1"))
    .option("--auto", "masks of everything (the automatic mask generator)")
    .option("--single", "--points/--box: one mask instead of three")
    .addOption(new Option("--decoder <backend>", "--points/--box: run the prompt decoder on libtorch, or export it (seconds, once) and run it on onnxruntime (about half the time per prompt)").choices(SAM_DECODER_BACKENDS).default("libtorch"))
    .option("--decoder-heads <n>", "attention heads of the mask decoder (8 in every official checkpoint)", integer("--decoder-heads", 1), 8)
    .option("--points-per-side <n>", "--auto: grid points per side", integer("--points-per-side", 1), 32)
    .option("--pred-iou-thresh <t>", "--auto: keep masks with predicted IoU above this", fraction("--pred-iou-thresh"), 0.88)
    .option("--stability-thresh <t>", "--auto: keep masks with stability score at least this", fraction("--stability-thresh"), 0.95)
    .option("--crop-layers <n>", "--auto: layers of overlapping crops beyond the whole image", integer("--crop-layers", 0), 0)
    .option("--min-region-area <n>", "--auto: remove islands and holes smaller than this (pixels)", integer("--min-region-area", 0), 0)
    .action(async (file: string, o: SamCliOptions) => {
      const prompts = (o.points ? 1 : 0) + (o.box ? 1 : 0);
      if (o.auto ? prompts > 0 : prompts === 0) throw new Error("give --points and/or --box, or --auto alone");
      if (o.auto && o.decoder !== "libtorch") throw new Error(`--decoder ${o.decoder}: --points/--box only (--auto runs batched prompts on libtorch)`);
      const { width, height, pixels } = await readRgbImage(file);
      for (const [i, p] of (o.points ?? []).entries()) {
        checkInside(`--points (point ${i + 1})`, p, width, height);
        if (p.length === 3 && p[2] !== 0 && p[2] !== 1) throw new Error(`--points (point ${i + 1}): the label must be 1 (foreground) or 0 (background), got ${p[2]}`);
      }
      if (o.box) {
        checkInside("--box (top left)", o.box.slice(0, 2), width, height);
        checkInside("--box (bottom right)", o.box.slice(2), width, height);
        if (!(o.box[0] < o.box[2] && o.box[1] < o.box[3])) throw new Error(`--box: x0 < x1 and y0 < y1 needed, got ${o.box.join(",")}`);
      }
      const sam = loadSam(o.checkpoint, o.decoderHeads);
      const image = torch.tensor(pixels, { shape: [height, width, 3] });
      const name = basename(file, extname(file));
      mkdirSync(o.out, { recursive: true });
      const masks: Uint8Array[] = [];
      let report: Record<string, unknown>;
      try {
        if (o.auto) {
          const generator = new SamAutomaticMaskGenerator(sam, {
            pointsPerSide: o.pointsPerSide, predIouThresh: o.predIouThresh, stabilityScoreThresh: o.stabilityThresh, cropNLayers: o.cropLayers, minMaskRegionArea: o.minRegionArea,
          });
          const records = generator.generate(image);
          generator.dispose();
          for (const r of records) masks.push(rleDecode(r.segmentation));
          report = { mode: "auto", masks: records.map((r, i) => ({ file: `${name}_sam_${i}.png`, ...r })) };
        } else {
          const predictor = new SamPredictor(sam, { decoder: o.decoder });
          predictor.setImage(image);
          const points: PointPrompt[] | undefined = o.points?.map(([x, y, label = 1]) => ({ x, y, label }));
          let out;
          try {
            out = await predictor.predictAsync({ points, box: o.box as [number, number, number, number] | undefined, multimask: !o.single });
          } finally {
            await predictor.dispose();
          }
          const ious = out.iou.toArray();
          const binary = torch.tidy(() => out.logits.gt(sam.maskThreshold).to("uint8").toTypedArray()) as Uint8Array;
          for (const t of [out.logits, out.iou, out.lowRes]) t.dispose();
          const area = width * height;
          ious.forEach((_, i) => masks.push(binary.slice(i * area, (i + 1) * area)));
          report = {
            mode: "prompt", points: points ?? null, box: o.box ?? null,
            masks: ious.map((iou, i) => ({ file: `${name}_sam_${i}.png`, predictedIou: iou, area: masks[i].reduce((a, b) => a + b, 0) })),
          };
        }
      } finally {
        image.dispose();
        sam.dispose();
      }
      masks.forEach((mask, i) => writeLabelPng(join(o.out, `${name}_sam_${i}.png`), mask, width, height, [[0, 0, 0], [255, 255, 255]]));
      const overlay = Uint8Array.from(pixels);
      masks.forEach((mask, i) => {
        const colour = tint(i);
        for (let p = 0; p < mask.length; p++) {
          if (mask[p]) for (let c = 0; c < 3; c++) overlay[3 * p + c] = Math.round(0.5 * overlay[3 * p + c] + 0.5 * colour[c]);
        }
      });
      await writeRgbPng(join(o.out, `${name}_sam_overlay.png`), overlay, width, height);
      const json = join(o.out, `${name}_sam.json`);
      torch.writeFileAtomic(json, JSON.stringify({ image: resolve(file), size: [height, width], checkpoint: resolve(o.checkpoint), ...report }, null, 2));
      console.log(`sam: ${masks.length} mask${masks.length === 1 ? "" : "s"} → ${resolve(o.out)} (${basename(json)})`);
    });
}
