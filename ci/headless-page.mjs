// Runs one page of web/ in headless Chromium against a local server (web/demo/serve.mjs) and waits for the JSON the
// page posts to /__result. Shared by the browser test and the browser side of `make bench`.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../web/demo/serve.mjs";

/**
 * @param {{ mounts: object, path: string, timeoutSeconds: number, chromium?: string, announce?: (url: string) => void }} options
 * @returns {Promise<{ outcome: object, browserErrors: string }>} outcome: the posted JSON, or {timeout: true} /
 *   {exited: code} when the page never answered
 */
export async function runHeadlessPage({ mounts, path, timeoutSeconds, chromium = process.env.CHROMIUM ?? "chromium", announce }) {
  let deliver;
  const delivered = new Promise((resolvePromise) => (deliver = resolvePromise));
  const server = await startServer({ mounts, onResult: deliver });
  const profile = mkdtempSync(join(tmpdir(), "wasmicro-chromium-"));
  const url = `${server.url}${path}`;
  announce?.(url);
  const browser = spawn(chromium, [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-extensions", `--user-data-dir=${profile}`, url,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let browserErrors = "";
  browser.stderr.on("data", (chunk) => (browserErrors += chunk));
  const exited = new Promise((resolvePromise) => browser.on("exit", (code) => resolvePromise({ exited: code })));
  let timer;
  const timedOut = new Promise((resolvePromise) => (timer = setTimeout(() => resolvePromise({ timeout: true }), timeoutSeconds * 1000)));
  const outcome = await Promise.race([delivered, exited, timedOut]);
  clearTimeout(timer);
  browser.kill("SIGKILL");
  await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
  await server.close();
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch {
    // a leftover temporary profile is harmless
  }
  return { outcome, browserErrors };
}
