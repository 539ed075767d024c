import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { build } from "esbuild";
import { defineConfig, type Plugin } from "vite";
import { ClustersDocument } from "./src/gql/graphql";

const require = createRequire(import.meta.url);
const api = process.env.CONTAGIONS_API_URL ?? "http://127.0.0.1:8000";

// Mirador ships a prebuilt bundle; it is served as is (local, never from a CDN).
function miradorBundle(): Plugin {
  const path = require.resolve("mirador/dist/mirador.min.js");
  return {
    name: "mirador-bundle",
    configureServer(server) {
      server.middlewares.use("/vendor/mirador.min.js", (_req, res) => {
        res.setHeader("Content-Type", "text/javascript");
        res.end(readFileSync(path));
      });
    },
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "vendor/mirador.min.js", source: readFileSync(path) });
    },
  };
}

// src/prefetch.ts, bundled and inlined at the top of index.html: the wall's first request leaves
// while the app's script is still loading (it is most of the wall's time to first card).
function wallPrefetch(): Plugin {
  return {
    name: "wall-prefetch",
    async transformIndexHtml(html, context) {
      if (!context.filename.endsWith("index.html")) return html;
      const bundled = await build({
        entryPoints: [fileURLToPath(new URL("./src/prefetch.ts", import.meta.url))],
        bundle: true,
        write: false,
        format: "iife",
        minify: true,
        target: "es2020",
        define: { __WALL_QUERY__: JSON.stringify(ClustersDocument.toString()) },
      });
      return [{ tag: "script", children: bundled.outputFiles[0].text, injectTo: "head-prepend" }];
    },
  };
}

export default defineConfig({
  plugins: [svelte(), miradorBundle(), wallPrefetch()],
  build: {
    outDir: "dist",
    rollupOptions: { input: { main: "index.html", mirador: "mirador.html" } },
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      "/graphql": { target: api, ws: true },
      "/export": api,
      "/healthz": api,
    },
  },
  test: { include: ["tests/**/*.test.ts"] },
});
