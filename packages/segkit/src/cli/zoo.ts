// `segkit zoo`: the trained weights that ship with segkit, with their scores and speed.
import { Command } from "commander";
import { zooEntries } from "../engine/model-zoo.js";

export function registerZoo(program: Command): void {
  program
    .command("zoo")
    .description("list the trained weights shipped with segkit (used by test/predict when no checkpoint is given)")
    .option("--json", "the manifests as one JSON array")
    .action((o: { json?: boolean }) => {
      const manifests = zooEntries().map((e) => e.manifest);
      if (o.json) {
        process.stdout.write(JSON.stringify(manifests) + "\n");
        return;
      }
      if (manifests.length === 0) {
        process.stdout.write("no trained weights ship with this segkit yet; train one with `segkit train CONFIG`\n");
        return;
      }
      for (const m of manifests) {
        process.stdout.write(
          `${m.config.padEnd(28)} val mIoU ${(m.val.single.mIoU * 100).toFixed(1)} (flip ${(m.val.flip.mIoU * 100).toFixed(1)})  ` +
            `${(m.parameters / 1e6).toFixed(2)} M params  ${m.latency.libtorch.toFixed(0)} ms/image (${m.latency.threads} threads)  ${m.iterations} iterations\n`,
        );
      }
    });
}
