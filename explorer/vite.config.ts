import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type Plugin } from "vite";

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

export default defineConfig({
  plugins: [svelte(), miradorBundle()],
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
