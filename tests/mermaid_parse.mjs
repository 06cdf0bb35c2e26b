// Parse Mermaid diagrams with the `mermaid` npm package, headless: jsdom gives it the DOM it wants.
// Usage: node mermaid_parse.mjs NODE_MODULES_DIR < diagrams.json   (a JSON list of diagram texts)
// Prints one line per diagram, "ok" or "error: <message>"; exits 1 when any fails.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const require = createRequire(join(modules, "noop.js"));
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(pathToFileURL(join(modules, "mermaid", "dist", "mermaid.core.mjs")).href);

let failed = 0;
for (const text of JSON.parse(readFileSync(0, "utf8"))) {
  try {
    await mermaid.parse(text);
    console.log("ok");
  } catch (error) {
    failed += 1;
    console.log("error: " + String(error.message ?? error).split("\n").join(" | "));
  }
}
process.exit(failed ? 1 : 0);
