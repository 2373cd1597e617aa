// `make bench`, wasm in headless Chromium: serves web/ with each format of the default model on 127.0.0.1, opens
// web/bench/ (which runs web/bench/run-cases.mjs in the page, fetching every file from this server) and prints the
// timings the page posts back, as JSON.
// Usage: node ci/bench-browser.mjs CASES.json RUNS FORMAT...
import { dirname } from "node:path";
import { runHeadlessPage } from "./headless-page.mjs";
import { modelDirectory } from "../web/test/support.mjs";

const [casesPath, runs, ...formats] = process.argv.slice(2);
const timeoutSeconds = 1200;
const mounts = { "/bench-cases/": dirname(casesPath) };
for (const format of formats) mounts[`/bench-models/${format}/`] = format === "f32" ? modelDirectory : `${modelDirectory}-${format}`;
const { outcome, browserErrors: errors } = await runHeadlessPage({
  mounts, path: `/bench/?runs=${runs}&formats=${formats.join(",")}`, timeoutSeconds,
});
if (!outcome.ok) {
  console.error(`bench-browser: ${outcome.error ?? (outcome.timeout ? "timed out" : `chromium exited (${outcome.exited})`)}`);
  console.error(errors.split("\n").slice(-10).join("\n"));
  process.exit(1);
}
const version = outcome.browser.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? outcome.browser;
process.stdout.write(JSON.stringify({ engine: "wasm-chromium", browser: version, results: outcome.results }));
