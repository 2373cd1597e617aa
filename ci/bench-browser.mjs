// `make bench`, wasm in headless Chromium: serves web/ with each format of the default model on 127.0.0.1, opens
// web/bench/ (which runs web/bench/run-cases.mjs in the page, fetching every file from this server) and prints the
// timings the page posts back, as JSON.
// Usage: node ci/bench-browser.mjs CASES.json RUNS FORMAT...
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startServer } from "../web/demo/serve.mjs";
import { modelDirectory } from "../web/test/support.mjs";

const [casesPath, runs, ...formats] = process.argv.slice(2);
const timeoutSeconds = 1200;
const mounts = { "/bench-cases/": dirname(casesPath) };
for (const format of formats) mounts[`/bench-models/${format}/`] = format === "f32" ? modelDirectory : `${modelDirectory}-${format}`;
let deliver;
const delivered = new Promise((resolvePromise) => (deliver = resolvePromise));
const server = await startServer({ mounts, onResult: deliver });
const profile = mkdtempSync(join(tmpdir(), "wasmicro-bench-chromium-"));
const browser = spawn(process.env.CHROMIUM ?? "chromium", [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
  `--user-data-dir=${profile}`, `${server.url}/bench/?runs=${runs}&formats=${formats.join(",")}`,
], { stdio: ["ignore", "ignore", "pipe"] });
let errors = "";
browser.stderr.on("data", (chunk) => (errors += chunk));
const exited = new Promise((resolvePromise) => browser.on("exit", (code) => resolvePromise({ exited: code })));
let timer;
const timedOut = new Promise((resolvePromise) => (timer = setTimeout(() => resolvePromise({ timeout: true }), timeoutSeconds * 1000)));
const outcome = await Promise.race([delivered, exited, timedOut]);
clearTimeout(timer);
browser.kill("SIGKILL");
await server.close();
try {
  rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
} catch {
  // a leftover temporary profile is harmless
}
if (!outcome.ok) {
  console.error(`bench-browser: ${outcome.error ?? (outcome.timeout ? "timed out" : `chromium exited (${outcome.exited})`)}`);
  console.error(errors.split("\n").slice(-10).join("\n"));
  process.exit(1);
}
const version = outcome.browser.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? outcome.browser;
process.stdout.write(JSON.stringify({ engine: "wasm-chromium", browser: version, results: outcome.results }));
