// Bundles the widget and socket.io-client into one self-contained script:
// bot/web/dist/widget.js (run through `npm run build`).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// The emergency line per region comes from the reviewed help-lines file, never from code.
const helplines = parse(readFileSync(here("../../data/helplines.yml"), "utf8"));
const banners = Object.fromEntries(
  Object.entries(helplines.regions).map(([region, lines]) => [region, lines.banner])
);

await build({
  entryPoints: [here("src/widget.js")],
  outfile: here("dist/widget.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari14"],
  loader: { ".css": "text" },
  legalComments: "eof",
  define: { __HELPLINE_BANNERS__: JSON.stringify(banners) },
  logLevel: "info",
});
