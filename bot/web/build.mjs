// Bundles the widget and socket.io-client into one self-contained script:
// bot/web/dist/widget.js (run through `npm run build`).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

await build({
  entryPoints: [here("src/widget.js")],
  outfile: here("dist/widget.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari14"],
  loader: { ".css": "text" },
  legalComments: "eof",
  logLevel: "info",
});
