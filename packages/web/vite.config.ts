// The web app builds to dist/, which `segkit serve` serves at /; assets are addressed relative to
// the page so that the app also works behind a path prefix.
import { defineConfig } from "vite";

export default defineConfig({ base: "./", build: { outDir: "dist", emptyOutDir: true } });
