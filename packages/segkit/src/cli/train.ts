// `segkit train`, `segkit test` and `segkit predict`: the engine from the command line.
import { readdirSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { distributed, resolveDevice } from "@segkit/torch";
import type { DenseCrfOptions, SlicOptions } from "@segkit/classic";
import { report } from "@segkit/metrics";
import { DataLoader } from "../data/loader/data-loader.js";
import "../data/index.js";
import { evaluate } from "../engine/evaluate.js";
import { checkModelFitsData } from "../engine/model-fits-data.js";
import { checkpointFor, loadRunConfig, predictionClasses } from "../engine/load.js";
import { openNetwork } from "../engine/open-network.js";
import { ENGINES, type EngineName } from "../inference/engine.js";
import { evaluateRefined } from "../engine/evaluate-refined.js";
import { CRF_KEYS, refinementFromConfig, SLIC_KEYS } from "../engine/postprocess.js";
import { predictFile, predictionPipeline, type Refinement } from "../engine/predict.js";
import { Progress } from "../engine/progress.js";
import { train } from "../engine/trainer.js";
import { launchRanks } from "../engine/launch.js";
import type { RunConfig, TestConfig } from "../engine/run-config.js";
import { isInstanceModelConfig, loadInstanceModel, predictInstanceFiles } from "../engine/instance-predict.js";
import { instanceModelReport } from "./eval-coco.js";
import { checkSlideWindows } from "../models/segmentors/segmentor.js";
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_PIXELS, serveModules, WEB_DIR } from "./serve.js";
import { integer } from "./eval.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const FOLD_BN_HELP = "fold BatchNorm into the convolutions: same output, less work per image";
const OPTIMIZE_HELP = "PyTorch's optimized inference (libtorch): the model recorded per input size, frozen, BatchNorm folded, convolutions fused and prepacked (oneDNN), run whole in C++; pays off when images share a size";
const engineOption = () =>
  new Option("--engine <engine>", "run the model on libtorch, or export it to ONNX and run that on onnxruntime (the checkpoint may then be an .onnx file)")
    .choices(ENGINES).default("libtorch");
const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"]);
const CHECKPOINT_EXTENSIONS = new Set([".safetensors", ".pth", ".pt", ".onnx"]);
const NO_CHECKPOINT_HELP = "without a checkpoint, the model zoo's trained weights for a shipped config name (segkit zoo)";

/** `predict CONFIG [CHECKPOINT] INPUTS...`: the first path is the checkpoint when it has a checkpoint's extension. */
export function splitCheckpoint(paths: string[]): { checkpoint: string | undefined; inputs: string[] } {
  const [first, ...rest] = paths;
  const checkpoint = CHECKPOINT_EXTENSIONS.has(extname(first).toLowerCase()) ? first : undefined;
  const inputs = checkpoint === undefined ? paths : rest;
  if (inputs.length === 0) throw new Error(`predict: no input images given after the checkpoint ${first}`);
  return { checkpoint, inputs };
}

/** Files named on the command line, folders expanded to the images they hold. */
export function imageFiles(inputs: string[]): string[] {
  return inputs.flatMap((input) => {
    let stat;
    try {
      stat = statSync(input);
    } catch {
      throw new Error(`input ${input}: no such file or folder`);
    }
    if (!stat.isDirectory()) return [input];
    const files = readdirSync(input).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort().map((f) => join(input, f));
    if (files.length === 0) throw new Error(`input ${input}: the folder holds no images`);
    return files;
  });
}

/** Outputs are named after their inputs without extension: two inputs must not share a name. */
function checkDistinctNames(files: string[]): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    const name = basename(file, extname(file));
    const earlier = seen.get(name);
    if (earlier !== undefined) throw new Error(`inputs ${earlier} and ${file} would both write predictions named ${name}`);
    seen.set(name, file);
  }
}

function testOverrides(test: TestConfig, o: { flip?: boolean; scales?: string; slide?: string }): TestConfig {
  const out = { ...test };
  if (o.flip) out.flip = true;
  if (o.scales) out.scales = o.scales.split(",").map(Number);
  if (o.slide) {
    const [ch, cw, sh, sw] = o.slide.split(/[,x]/).map(Number);
    if ([ch, cw, sh, sw].some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--slide ${o.slide}: expected CROP_HxCROP_W,STRIDE_HxSTRIDE_W`);
    checkSlideWindows([ch, cw], [sh, sw], `--slide ${o.slide}`);
    Object.assign(out, { mode: "slide", crop: [ch, cw], stride: [sh, sw] });
  }
  return out;
}

/** A refinement flag's value: true (the flag alone: defaults) or a JSON object with only `known` keys. */
function jsonOptions<T>(flag: string, value: true | string, known: string[]): T {
  if (value === true) return {} as T;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new Error(`${flag}: not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${flag}: expected a JSON object of options, got ${value}`);
  for (const key of Object.keys(parsed)) if (!known.includes(key)) throw new Error(`${flag}: unknown option "${key}"; options: ${known.join(", ")}`);
  return parsed as T;
}

const CRF_HELP = "refine with the fully connected CRF (@segkit/classic); JSON of { iterations, gaussian: { sxy, compat }, bilateral: { sxy, srgb, compat } } (default 5, 3/3, 80/13/10)";
const SUPERPIXELS_HELP = "then give each SLIC superpixel its majority label; JSON of @segkit/classic's SlicOptions (default { nSegments: 100, compactness: 10 })";
/** The flags' refinements (checked before anything loads); they replace the config's test.postprocess entries of the same type. */
function refinementOf(o: { crf?: true | string; superpixels?: true | string }): Refinement {
  return {
    ...(o.crf === undefined ? {} : { crf: jsonOptions<DenseCrfOptions>("--crf", o.crf, CRF_KEYS) }),
    ...(o.superpixels === undefined ? {} : { superpixels: jsonOptions<SlicOptions>("--superpixels", o.superpixels, SLIC_KEYS) }),
  };
}

interface LaunchFlags { nprocPerNode?: string; nnodes: string; nodeRank: string; masterAddr: string; masterPort?: string; distTimeout?: string }

/** torchrun's flags: with --nproc-per-node the command runs as that many ranks on this node. */
function withLaunchFlags(command: Command): Command {
  return command
    .option("--nproc-per-node <n>", "distributed: run as n ranks on this node (like torchrun), each with cores ÷ n threads")
    .option("--nnodes <m>", "distributed: number of nodes", "1")
    .option("--node-rank <r>", "distributed: this node's index in [0, nnodes)", "0")
    .option("--master-addr <address>", "distributed: address of node 0, where rank 0 hosts the rendezvous", "127.0.0.1")
    .option("--master-port <port>", "distributed: port of the rendezvous (default: a free one on a single node, else 29500)")
    .option("--dist-timeout <seconds>", "distributed: how long start-up and each collective wait for the other ranks before failing, naming the lost ones (default 1800, torch.distributed's)");
}

/** --dist-timeout in milliseconds; undefined: torch.distributed's default. */
function distTimeoutMs(o: LaunchFlags): number | undefined {
  return o.distTimeout === undefined ? undefined : 1000 * integer("--dist-timeout", 1)(o.distTimeout);
}

/** Under --nproc-per-node: launches `command` as the ranks and returns true once they all finished. */
async function launchedAsRanks(o: LaunchFlags, command: string[]): Promise<boolean> {
  if (o.nprocPerNode === undefined) return false;
  const timeoutMs = distTimeoutMs(o);  // checked before any rank starts
  const nnodes = integer("--nnodes", 1)(o.nnodes);
  const masterPort = o.masterPort !== undefined ? integer("--master-port", 1)(o.masterPort) : nnodes === 1 ? await distributed.freePort(o.masterAddr) : 29500;
  await launchRanks({
    nprocPerNode: integer("--nproc-per-node", 1)(o.nprocPerNode), nnodes, nodeRank: integer("--node-rank", 0)(o.nodeRank), masterAddr: o.masterAddr, masterPort,
    command: [...command, ...(timeoutMs === undefined ? [] : ["--dist-timeout", String(timeoutMs / 1000)])],
  });
  return true;
}

/**
 * A rank started by a launcher (this one or torchrun: WORLD_SIZE is set) joins its group, with the
 * backend for tensors on `device` (a resolveDevice name); otherwise undefined.
 */
async function rankGroup(o: LaunchFlags, device = "cpu"): Promise<distributed.ProcessGroup | undefined> {
  if (process.env.WORLD_SIZE === undefined) return undefined;
  return distributed.initProcessGroup({ timeoutMs: distTimeoutMs(o), backend: distributed.backendFor(device) });
}

interface SemanticFlags { flip?: boolean; scales?: string; foldBn?: boolean; optimize?: boolean; crf?: true | string; superpixels?: true | string; engine: EngineName }

/** Refuses, for an instance model, the flags of semantic inference that were given (`extra`: more flags by name). */
function refuseSemanticFlags(run: RunConfig, o: SemanticFlags, extra: Record<string, unknown> = {}): void {
  const flags = { "--flip": o.flip, "--scales": o.scales, "--fold-bn": o.foldBn, "--optimize": o.optimize, "--crf": o.crf, "--superpixels": o.superpixels, ...extra };
  const given = Object.entries(flags).filter(([, v]) => v !== undefined).map(([flag]) => flag);
  if (o.engine !== "libtorch") given.push(`--engine ${o.engine}`);
  if (given.length > 0) throw new Error(`${given.join(", ")}: not for an instance model (config.model ${run.model.type}), which runs on libtorch as it is, in one process`);
}

/** `segkit predict` for an instance model: COCO results with RLE masks and overlays (instance-predict.ts). */
async function predictInstancesCli(run: RunConfig, checkpoint: string, inputs: string[], o: SemanticFlags & { out: string }): Promise<void> {
  refuseSemanticFlags(run, o);
  const files = imageFiles(inputs);
  checkDistinctNames(files);
  const loaded = loadInstanceModel(run, checkpoint);
  const progress = new Progress(process.stderr, 1);
  try {
    const count = await predictInstanceFiles(loaded, files, o.out, (done, file) => progress.update({ iter: done, total: files.length, extra: file }));
    progress.done();
    console.log(`${count} instances in ${files.length} images written to ${resolve(o.out)} (instances/, overlays/, results.json)`);
  } finally {
    loaded.model.dispose();
  }
}

/** `segkit test` for an instance model: COCO mask AP of its detections on the config's validation dataset (instance-evaluate.ts). */
async function testInstancesCli(run: RunConfig, checkpoint: string, o: SemanticFlags & { slide?: string; nprocPerNode?: string; json?: boolean }): Promise<void> {
  refuseSemanticFlags(run, o, { "--slide": o.slide, "--nproc-per-node": o.nprocPerNode });
  console.log(await instanceModelReport(run, checkpoint, o.json === true));
}

type Task = "semantic" | "instance";
const taskOption = () =>
  new Option("--task <task>", "semantic: class labels; instance: COCO instances with masks (default: instance for an instance model such as Mask R-CNN, else semantic; MaskFormer, Mask2Former and K-Net panoptic do both)")
    .choices(["semantic", "instance"]);

/** Whether to run the instance path: --task instance, or an instance model, which has no semantic one. */
function instanceTask(run: RunConfig, task: Task | undefined): boolean {
  const instanceModel = isInstanceModelConfig(run.model);
  if (task === "semantic" && instanceModel) throw new Error(`--task semantic: config.model ${String(run.model.type)} is an instance model, it predicts instances only (--task instance)`);
  return task === "instance" || instanceModel;
}

const setFlags = (set: string[]) => set.flatMap((s) => ["--set", s]);

export function registerTrain(program: Command): void {
  withLaunchFlags(program
    .command("train <config>"))
    .description("train a model from a config file or a shipped config name")
    .option("--work-dir <dir>", "where checkpoints, logs and plots go (default runs/<config name>)")
    .option("--resume", "continue from the newest checkpoint in the work dir")
    .option("--set <path=value>", "override a config value (repeatable)", collect, [])
    .option("--serve [port]", "a live dashboard (the web app's Training page) on 127.0.0.1:port (default 8081)")
    .action(async (config: string, o: LaunchFlags & { workDir?: string; resume?: boolean; set: string[]; serve?: true | string }) => {
      if (o.nprocPerNode !== undefined && o.serve !== undefined) throw new Error("--serve runs with a single process; leave out --nproc-per-node or --serve");
      const rankCommand = ["train", config, ...(o.workDir ? ["--work-dir", o.workDir] : []), ...(o.resume ? ["--resume"] : []), ...setFlags(o.set)];
      if (await launchedAsRanks(o, rankCommand)) return;
      const run = await loadRunConfig(config, o.set);
      const workDir = resolve(o.workDir ?? join("runs", config.replace(/\.json$/, "").split("/").pop()!));
      const serving = o.serve === undefined ? null : await serveModules();
      const feed = serving && new serving.TrainingFeed();
      const dashboard = serving && feed && await serving.buildServer({ hosts: [], training: feed, bodyLimit: DEFAULT_BODY_LIMIT, maxPixels: DEFAULT_MAX_PIXELS, webDir: WEB_DIR });
      if (dashboard) {
        const port = o.serve === true ? 8081 : integer("--serve", 0)(String(o.serve));
        console.log(`training dashboard: ${await dashboard.listen({ port, host: "127.0.0.1" })}/#training`);
      }
      // Checked before the group forms: a device libtorch cannot use is named as such, not as a backend.
      const group = await rankGroup(o, resolveDevice(run.train.device, "config.train.device"));
      const result = await train(run, { workDir, resume: o.resume, progress: new Progress(process.stderr, run.train.logInterval), hooks: feed ? [feed] : [], group })
        .finally(() => Promise.all([dashboard?.close(), group?.destroy()]));
      if (group !== undefined && group.rank !== 0) return;
      if (result.last) console.log(report(result.last, "text", { names: result.classes }));
      console.log(`trained ${result.iterations} iterations in ${result.seconds.toFixed(0)} s; best mIoU ${result.best ? (result.best.mIoU * 100).toFixed(2) : "n/a"}`);
      console.log(`checkpoints, scalars.jsonl and plots in ${workDir}`);
    });

  withLaunchFlags(program
    .command("test <config> [checkpoint]"))
    .description(`evaluate a checkpoint on the config's validation data; ${NO_CHECKPOINT_HELP}`)
    .option("--set <path=value>", "override a config value (repeatable)", collect, [])
    .option("--flip", "test-time augmentation: also predict mirrored images")
    .option("--scales <list>", "test-time augmentation: comma-separated input scales, e.g. 0.75,1,1.25")
    .option("--slide <crop,stride>", "sliding-window inference, e.g. 256x256,171x171")
    .option("--fold-bn", FOLD_BN_HELP)
    .option("--optimize", OPTIMIZE_HELP)
    .option("--crf [json]", `${CRF_HELP}; scored through the prediction path at each image's size`)
    .option("--superpixels [json]", `${SUPERPIXELS_HELP}; scored as --crf is`)
    .addOption(engineOption())
    .addOption(taskOption())
    .option("--json", "print the metrics as JSON")
    .action(async (config: string, given: string | undefined, o: LaunchFlags & { task?: Task; set: string[]; flip?: boolean; scales?: string; slide?: string; foldBn?: boolean; optimize?: boolean; crf?: true | string; superpixels?: true | string; engine: EngineName; json?: boolean }) => {
      const flags = refinementOf(o);
      if (o.nprocPerNode !== undefined && (o.crf !== undefined || o.superpixels !== undefined)) throw new Error("--crf and --superpixels run with a single process; leave out --nproc-per-node");
      const passed = [...(given ? [given] : []), ...setFlags(o.set), ...(o.flip ? ["--flip"] : []), ...(o.scales ? ["--scales", o.scales] : []),
        ...(o.slide ? ["--slide", o.slide] : []), ...(o.foldBn ? ["--fold-bn"] : []), ...(o.optimize ? ["--optimize"] : []), "--engine", o.engine, ...(o.json ? ["--json"] : [])];
      const run = await loadRunConfig(config, o.set);
      if (instanceTask(run, o.task)) {
        await testInstancesCli(run, checkpointFor(config, given), o);
        return;
      }
      if (await launchedAsRanks(o, ["test", config, ...passed])) return;
      const group = await rankGroup(o);
      const refinement = { ...refinementFromConfig(run.test.postprocess ?? [], "config.test.postprocess"), ...flags };
      const test = testOverrides(run.test, o);
      const opened = await openNetwork(run, checkpointFor(config, given), { engine: o.engine, foldBatchNorm: o.foldBn, optimize: o.optimize });
      const loader = new DataLoader({ ...run.data.val, shuffle: false, shard: group && { rank: group.rank, worldSize: group.worldSize, remainder: "keep" } });
      try {
        checkModelFitsData(opened.model, loader.dataset, "config.data.val.dataset");
        const refined = refinement.crf !== undefined || refinement.superpixels !== undefined;
        if (refined && group !== undefined) throw new Error("config.test.postprocess (crf, superpixels) runs with a single process; leave out --nproc-per-node");
        const { summary } = refined ? await evaluateRefined(opened.network, loader.dataset, run.data.val.pipeline, test, refinement) : await evaluate(opened.network, loader, test, group);
        if (group === undefined || group.rank === 0) console.log(report(summary, o.json ? "json" : "text", { names: loader.dataset.classes }));
      } finally {
        await loader.close();
        await opened.close();
        await group?.destroy();
      }
    });

  program
    .command("predict <config> <paths...>")
    .description(`predict image files or folders (paths: [checkpoint] inputs...): label PNGs of class ids (palette), colour overlays and per-class areas; with --task instance (the default for an instance model such as Mask R-CNN) COCO results with RLE masks and overlays; ${NO_CHECKPOINT_HELP}`)
    .requiredOption("--out <dir>", "output folder: labels/, overlays/ and areas/ inside (--task instance: instances/, overlays/ and results.json)")
    .option("--set <path=value>", "override a config value (repeatable)", collect, [])
    .option("--flip", "test-time augmentation: also predict mirrored images")
    .option("--scales <list>", "test-time augmentation: comma-separated input scales")
    .option("--fold-bn", FOLD_BN_HELP)
    .option("--optimize", OPTIMIZE_HELP)
    .option("--crf [json]", CRF_HELP)
    .option("--superpixels [json]", SUPERPIXELS_HELP)
    .addOption(engineOption())
    .addOption(taskOption())
    .action(async (config: string, paths: string[], o: { task?: Task; out: string; set: string[]; flip?: boolean; scales?: string; foldBn?: boolean; optimize?: boolean; crf?: true | string; superpixels?: true | string; engine: EngineName }) => {
      const flags = refinementOf(o);
      const { checkpoint: given, inputs } = splitCheckpoint(paths);
      const checkpoint = checkpointFor(config, given);
      const run = await loadRunConfig(config, o.set);
      if (instanceTask(run, o.task)) {
        await predictInstancesCli(run, checkpoint, inputs, o);
        return;
      }
      const refinement = { ...refinementFromConfig(run.test.postprocess ?? [], "config.test.postprocess"), ...flags };
      const test = testOverrides(run.test, o);
      const files = imageFiles(inputs);
      checkDistinctNames(files);
      const pipeline = predictionPipeline(run.data.val.pipeline);
      const opened = await openNetwork(run, checkpoint, { engine: o.engine, foldBatchNorm: o.foldBn, optimize: o.optimize });
      const progress = new Progress(process.stderr, 1);
      try {
        const classes = predictionClasses(opened, run, checkpoint);
        for (const [i, file] of files.entries()) {
          await predictFile(opened.network, file, o.out, pipeline, test, classes, refinement);
          progress.update({ iter: i + 1, total: files.length, extra: file });
        }
      } finally {
        progress.done();
        await opened.close();
      }
      console.log(`${files.length} predictions written to ${resolve(o.out)} (labels/, overlays/, areas/)`);
    });
}
