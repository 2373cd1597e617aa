// Headless Chromium for the browser test, the demo test and the browser side of `make bench`: pages of web/ served by a
// local server (web/demo/serve.mjs), driven over the DevTools protocol on --remote-debugging-pipe, so any Node from 18
// on can drive it without a WebSocket client. Chromium reads commands from its fd 3 and writes replies and events to
// its fd 4, each message one JSON text followed by a NUL byte.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../web/demo/serve.mjs";

/** A DevTools protocol connection over Chromium's pipe: commands with replies, and events by name. */
class PipeConnection {
  constructor(input, output) {
    this.input = input;  // Chromium's fd 3: we write commands
    this.nextId = 0;
    this.pending = new Map();
    this.listeners = new Set();
    this.closedReason = null;
    let buffered = [];
    output.on("data", (chunk) => {
      let start = 0;
      for (let end = chunk.indexOf(0); end >= 0; end = chunk.indexOf(0, start)) {
        buffered.push(chunk.subarray(start, end));
        this.#dispatch(JSON.parse(Buffer.concat(buffered).toString("utf8")));
        buffered = [];
        start = end + 1;
      }
      if (start < chunk.length) buffered.push(chunk.subarray(start));
    });
    output.on("close", () => this.#fail("chromium closed its DevTools pipe"));
    input.on("error", (error) => this.#fail(`writing to chromium's DevTools pipe failed (${error.message})`));
  }

  #dispatch(message) {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter?.resolve(message.result);
    } else {
      for (const listener of this.listeners) listener(message);
    }
  }

  #fail(reason) {
    this.closedReason ??= reason;
    for (const waiter of this.pending.values()) waiter.reject(new Error(`${waiter.method}: ${reason}`));
    this.pending.clear();
  }

  /** Sends a command (to a page when `sessionId` is given); resolves with its result, rejects with its error. */
  send(method, params = {}, sessionId) {
    if (this.closedReason) return Promise.reject(new Error(`${method}: ${this.closedReason}`));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.input.write(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }) + "\0");
    });
  }
}

/**
 * Starts the local server and headless Chromium (an empty profile in a temporary directory). Rejects with an Error
 * naming the binary when Chromium cannot be started.
 * @param {{ mounts?: object, onResult?: (json: object) => void, onRequest?: Function, chromium?: string, windowSize?: string }} options
 * @returns {Promise<{ url: string, server: object, open: (path: string) => Promise<object>, exited: Promise<object>,
 *   errors: () => string, close: () => Promise<void> }>}
 */
export async function startHeadless({ mounts = {}, onResult, onRequest, chromium = process.env.CHROMIUM ?? "chromium", windowSize = "1000,900" } = {}) {
  const server = await startServer({ mounts, onResult, onRequest });
  const profile = mkdtempSync(join(tmpdir(), "wasmicro-chromium-"));
  const browser = spawn(chromium, [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
    `--window-size=${windowSize}`, "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank",
  ], { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"] });
  const started = await new Promise((resolve) => {
    browser.once("spawn", () => resolve(null));
    browser.once("error", resolve);
  });
  if (started) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`cannot start chromium as "${chromium}" (${started.message}): install it or set CHROMIUM=/path/to/chrome`);
  }
  let browserErrors = "";
  browser.stdout.resume();
  browser.stderr.on("data", (chunk) => (browserErrors = (browserErrors + chunk).slice(-20000)));
  const exited = new Promise((resolve) => browser.on("exit", (code, signal) => resolve({ exited: code ?? signal })));
  const connection = new PipeConnection(browser.stdio[3], browser.stdio[4]);

  /** Opens `path` of the server in a new tab; returns the tab's protocol session. */
  async function open(path) {
    const { targetId } = await connection.send("Target.createTarget", { url: `${server.url}${path}` });
    const { sessionId } = await connection.send("Target.attachToTarget", { targetId, flatten: true });
    const send = (method, params) => connection.send(method, params, sessionId);
    return {
      send,
      /** The value of a JS expression in the page (JSON-serialisable results). */
      evaluate: async (expression) => (await send("Runtime.evaluate", { expression, returnByValue: true }))?.result?.value,
      navigate: (to) => send("Page.navigate", { url: `${server.url}${to}` }),
    };
  }

  async function close() {
    browser.kill("SIGKILL");
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
    await server.close();
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // a leftover temporary profile is harmless
    }
  }

  return { url: server.url, server, open, exited, errors: () => browserErrors, close };
}

/** Resolves with the first of `promise`, Chromium's exit ({exited}) or a timeout ({timeout: true}). */
export async function within(promise, headless, timeoutSeconds) {
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutSeconds * 1000)));
  try {
    return await Promise.race([promise, headless.exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens one page and waits for the JSON it posts to /__result.
 * @param {{ mounts: object, path: string, timeoutSeconds: number, chromium?: string, announce?: (url: string) => void }} options
 * @returns {Promise<{ outcome: object, browserErrors: string }>} outcome: the posted JSON, or {timeout: true} /
 *   {exited: code} when the page never answered
 */
export async function runHeadlessPage({ mounts, path, timeoutSeconds, chromium, announce }) {
  let deliver;
  const delivered = new Promise((resolve) => (deliver = resolve));
  let headless;
  try {
    headless = await startHeadless({ mounts, onResult: deliver, chromium });
  } catch (error) {
    return { outcome: { exited: error.message }, browserErrors: "" };
  }
  announce?.(`${headless.url}${path}`);
  try {
    const opened = headless.open(path).then(() => delivered, (error) => ({ exited: error.message }));
    const outcome = await within(opened, headless, timeoutSeconds);
    return { outcome, browserErrors: headless.errors() };
  } finally {
    await headless.close();
  }
}
