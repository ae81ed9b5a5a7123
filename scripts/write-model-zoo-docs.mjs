#!/usr/bin/env node
// Part of `npm run docs`: writes docs/model-zoo.md from the zoo's manifests (packages/segkit/zoo);
// test/model-zoo fails while the file differs from what this writes.
import { writeFileAtomic } from "@segkit/torch";
import { modelZooMarkdown } from "../packages/segkit/dist/src/engine/model-zoo-docs.js";
import { zooEntries } from "../packages/segkit/dist/src/engine/model-zoo.js";

const target = new URL("../docs/model-zoo.md", import.meta.url);
writeFileAtomic(target.pathname, modelZooMarkdown(zooEntries()));
console.log(`wrote ${target.pathname}`);
