// The model zoo: trained weights shipped inside the package (packages/segkit/zoo), one entry per
// shipped config, each a float16 safetensors file and a manifest saying how it was made and what it
// scores. `segkit test|predict NAME` without a checkpoint uses them.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { SessionRecord } from "./hooks/logger-hook.js";

/** The zoo shipped with segkit. */
export const SHIPPED_ZOO = fileURLToPath(new URL("../../../zoo", import.meta.url));

/** A validation result as the manifest keeps it: fractions in [0, 1]. */
export interface ZooScore {
  mIoU: number;
  aAcc: number;
  /** IoU per class name (null where a class is absent from both prediction and ground truth). */
  classIoU: Record<string, number | null>;
}

export interface ZooManifest {
  /** The shipped config the weights belong to (also the entry's name). */
  config: string;
  /** The weights file, beside the manifest. */
  weights: string;
  /** sha256 of the weights file, hex. */
  sha256: string;
  dtype: "float16";
  parameters: number;
  /** Multiply-accumulates ×2 for one 360×480 image, in 10⁹. */
  gflops: number;
  /** Optimizer steps of the (completed) schedule. */
  iterations: number;
  /** Training time summed over every session (the checkpoint's clock). */
  trainingSeconds: number;
  /** Each start and end of the training process, in order (resumptions are the starts after the first). */
  sessions: SessionRecord[];
  /** Scores of the float16 weights on the config's validation split, measured after the conversion. */
  val: { single: ZooScore; flip: ZooScore };
  /** Median milliseconds per 360×480 image (padded as the val pipeline pads), batch 1, `threads` threads. */
  latency: { threads: number; libtorch: number; onnxruntime: number | null; cpu: string };
}

export interface ZooEntry {
  manifest: ZooManifest;
  /** Path of the weights file. */
  weightsPath: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function fail(file: string, key: string, message: string): never {
  throw new Error(`${file}: "${key}" ${message}`);
}

function fraction(v: unknown): boolean {
  return typeof v === "number" && v >= 0 && v <= 1;
}

function checkScore(score: unknown, file: string, key: string): void {
  const s = score as Partial<ZooScore> | null;
  if (typeof s !== "object" || s === null) fail(file, key, "must be an object");
  if (!fraction(s.mIoU)) fail(file, `${key}.mIoU`, `must be a number in [0, 1], got ${JSON.stringify(s.mIoU)}`);
  if (!fraction(s.aAcc)) fail(file, `${key}.aAcc`, `must be a number in [0, 1], got ${JSON.stringify(s.aAcc)}`);
  if (typeof s.classIoU !== "object" || s.classIoU === null) fail(file, `${key}.classIoU`, "must be an object");
  for (const [name, v] of Object.entries(s.classIoU)) {
    if (v !== null && !fraction(v)) fail(file, `${key}.classIoU.${name}`, `must be null or a number in [0, 1], got ${JSON.stringify(v)}`);
  }
}

/** Reads and checks a manifest; every error names the file and the key. */
export function readManifest(file: string): ZooManifest {
  let m: Partial<ZooManifest>;
  try {
    m = JSON.parse(readFileSync(file, "utf8")) as Partial<ZooManifest>;
  } catch (e) {
    throw new Error(`${file}: not a readable JSON manifest (${(e as Error).message})`);
  }
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw new Error(`${file}: a manifest must be a JSON object`);
  for (const key of ["config", "weights"] as const) {
    if (typeof m[key] !== "string" || m[key] === "") fail(file, key, "must be a non-empty string");
  }
  if (m.weights!.includes("/") || m.weights!.includes("\\")) fail(file, "weights", "must be a file name beside the manifest");
  if (typeof m.sha256 !== "string" || !HEX64.test(m.sha256)) fail(file, "sha256", "must be 64 lowercase hex digits");
  if (m.dtype !== "float16") fail(file, "dtype", `must be "float16", got ${JSON.stringify(m.dtype)}`);
  for (const key of ["parameters", "iterations"] as const) {
    if (!Number.isInteger(m[key]) || (m[key] as number) < 1) fail(file, key, `must be a positive integer, got ${JSON.stringify(m[key])}`);
  }
  for (const key of ["gflops", "trainingSeconds"] as const) {
    if (typeof m[key] !== "number" || !((m[key] as number) > 0)) fail(file, key, `must be a positive number, got ${JSON.stringify(m[key])}`);
  }
  if (!Array.isArray(m.sessions)) fail(file, "sessions", "must be an array");
  if (typeof m.val !== "object" || m.val === null) fail(file, "val", "must be an object");
  checkScore(m.val.single, file, "val.single");
  checkScore(m.val.flip, file, "val.flip");
  const l = m.latency as Partial<ZooManifest["latency"]> | undefined;
  if (typeof l !== "object" || l === null) fail(file, "latency", "must be an object");
  if (!Number.isInteger(l.threads) || (l.threads as number) < 1) fail(file, "latency.threads", "must be a positive integer");
  if (typeof l.libtorch !== "number" || !(l.libtorch > 0)) fail(file, "latency.libtorch", "must be a positive number of milliseconds");
  if (l.onnxruntime !== null && (typeof l.onnxruntime !== "number" || !(l.onnxruntime > 0))) fail(file, "latency.onnxruntime", "must be null or a positive number");
  if (typeof l.cpu !== "string") fail(file, "latency.cpu", "must be a string");
  return m as ZooManifest;
}

/** The manifests in a zoo folder, by config name. */
export function zooEntries(dir = SHIPPED_ZOO): ZooEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const manifest = readManifest(join(dir, f));
      if (`${manifest.config}.json` !== f) throw new Error(`${join(dir, f)}: "config" is ${manifest.config} but the file is named ${f}`);
      return { manifest, weightsPath: join(dir, manifest.weights) };
    });
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * The shipped weights for a config name, checked against the manifest's sha256; an error lists the
 * names that have weights when this one has none.
 */
export function zooWeights(configName: string, dir = SHIPPED_ZOO): ZooEntry {
  const entries = zooEntries(dir);
  const entry = entries.find((e) => e.manifest.config === configName);
  if (!entry) {
    const have = entries.map((e) => e.manifest.config);
    throw new Error(
      `no checkpoint given, and segkit ships no trained weights for ${configName} ` +
        `(shipped weights: ${have.length > 0 ? have.join(", ") : "none"}); pass a checkpoint file`,
    );
  }
  if (!existsSync(entry.weightsPath)) throw new Error(`${entry.weightsPath}: the zoo manifest names this weights file but it is missing`);
  const digest = sha256File(entry.weightsPath);
  if (digest !== entry.manifest.sha256) {
    throw new Error(`${entry.weightsPath}: sha256 ${digest} differs from the manifest's ${entry.manifest.sha256} (damaged or replaced file)`);
  }
  return entry;
}
