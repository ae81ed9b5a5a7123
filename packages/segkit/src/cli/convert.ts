// `segkit convert IN OUT [--map NAME]`: weights between .pth/.pt and safetensors.
import { Command } from "commander";
import { convertWeights } from "../engine/convert-weights.js";

export function registerConvert(program: Command): void {
  program
    .command("convert <in> <out>")
    .description("convert weights between .pth/.pt (torch.save; nested state_dict/model found) and .safetensors, by OUT's extension")
    .option("--map <name>", "rename keys with a registered key map (segkit list keymap)")
    .action((input: string, output: string, o: { map?: string }) => {
      const { tensors, renamed } = convertWeights(input, output, o.map);
      console.log(`${output}: ${tensors} tensors${o.map ? ` (${renamed} keys renamed by ${o.map})` : ""}`);
    });
}
