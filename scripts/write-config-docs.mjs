#!/usr/bin/env node
// `npm run docs`: writes docs/config.md from the registry of the built segkit (so build first:
// `npx tsc -b`); test/config-docs fails while the file differs from what this writes.
import { writeFileAtomic } from "@segkit/torch";
import "../packages/segkit/dist/src/index.js";
import { configReference } from "../packages/segkit/dist/src/config/reference.js";

const target = new URL("../docs/config.md", import.meta.url);
writeFileAtomic(target.pathname, configReference());
console.log(`wrote ${target.pathname}`);
