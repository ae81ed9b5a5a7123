/**
 * `segkit list [kind]`: every registered model, backbone, neck, head, loss, dataset, transform,
 * optimizer, schedule and hook, with its options and a one-line summary (the source of docs/config.md).
 */
import { Command, InvalidArgumentError } from "commander";
import { didYouMean } from "../config/closest.js";
import { KINDS, type Kind } from "../config/registry.js";
import { entries, formatEntries } from "../config/reference.js";
import "../index.js";

function kindArg(value: string): Kind {
  if ((KINDS as readonly string[]).includes(value)) return value as Kind;
  throw new InvalidArgumentError(`unknown kind "${value}"${didYouMean(value, KINDS)}; kinds: ${KINDS.join(", ")}`);
}

export function registerList(program: Command): void {
  program
    .command("list")
    .description("list what configs can name: every registered thing of each kind, with its options")
    .argument("[kind]", `one of ${KINDS.join(", ")} (default: all)`, kindArg)
    .option("--json", "one JSON array of { kind, name, options, summary, formerly }")
    .action((kind: Kind | undefined, opts: { json?: boolean }) => {
      const list = entries(kind ? [kind] : KINDS);
      process.stdout.write(`${opts.json ? JSON.stringify(list) : formatEntries(list)}\n`);
    });
}
