// `npm run codegen -w @segkit/torch`: regenerates src/generated/ops.ts for the installed libtorch.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { native } from "../native.js";
import { generateOps } from "./generate.js";

/** Where the generated file lives in the source tree (this module runs from dist/src/codegen). */
export const GENERATED_PATH = fileURLToPath(new URL("../../../src/generated/ops.ts", import.meta.url));

export function currentOps(): ReturnType<typeof generateOps> {
  return generateOps(native.schemas(), native.kindNames(), native.torchVersion);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = currentOps();
  writeFileSync(GENERATED_PATH, generated.source);
  console.log(`wrote ${GENERATED_PATH}: ${generated.operators} operators, ${generated.schemas} overloads (${generated.skipped} skipped)`);
}
