// Headless check of the demo: serves web/ with the default model, opens /demo/?q=… in headless Chromium (driven over the
// DevTools protocol), waits until the Web Worker has embedded the documents and the page lists results, checks the top
// result, and saves a screenshot to dist/demo.png. Run with `node --experimental-websocket` (Node 20; built in from 22).
// Usage: node --experimental-websocket ci/wasm-demo-test.mjs [--model models/all-MiniLM-L6-v2] [--timeout 180]
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startServer } from "../web/demo/serve.mjs";
import { repoRoot } from "../web/test/support.mjs";

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
const modelDirectory = resolve(repoRoot, argument("--model", "models/all-MiniLM-L6-v2-q8"));
const timeoutSeconds = Number(argument("--timeout", 180));
const query = "how do I keep my sourdough starter alive?";
const expectedTopic = "baking";
if (typeof WebSocket === "undefined") {
  console.error("demo test: run with `node --experimental-websocket` (Node 20) or Node >= 22");
  process.exit(1);
}

// The format the served model declares (FORMAT.md), which the page must name.
const served = readFileSync(join(modelDirectory, "model.safetensors"));
const headerLength = Number(served.readBigUInt64LE(0));
const expectedFormat = JSON.parse(served.toString("utf8", 8, 8 + headerLength)).__metadata__?.["wasmicro.format"] ?? "f32";
const server = await startServer({ mounts: { "/model/": modelDirectory } });
const profile = mkdtempSync(join(tmpdir(), "wasmicro-demo-"));
const browser = spawn(process.env.CHROMIUM ?? "chromium", [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1000,900",
  "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank",
], { stdio: ["ignore", "ignore", "pipe"] });

let failure = null;
try {
  const endpoint = await new Promise((resolvePromise, reject) => {
    let text = "";
    browser.stderr.on("data", (chunk) => {
      text += chunk;
      const match = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) resolvePromise(match[1]);
    });
    browser.on("exit", (code) => reject(new Error(`chromium exited (${code}): ${text.slice(-500)}`)));
  });
  const port = new URL(endpoint).port;
  const pageURL = `${server.url}/demo/?q=${encodeURIComponent(query)}`;
  const target = await (await fetch(`http://127.0.0.1:${port}/json/new?${pageURL}`, { method: "PUT" })).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolvePromise, reject) => { socket.onopen = resolvePromise; socket.onerror = reject; });
  let nextId = 0;
  const pending = new Map();
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.id && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  const send = (method, params = {}) => new Promise((resolvePromise) => {
    const id = ++nextId;
    pending.set(id, resolvePromise);
    socket.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async (expression) => (await send("Runtime.evaluate", { expression, returnByValue: true })).result?.result?.value;

  const deadline = Date.now() + timeoutSeconds * 1000;
  let state = null;
  while (Date.now() < deadline) {
    state = await evaluate(`JSON.stringify({
      results: document.body.dataset.results ?? null,
      status: document.getElementById("status")?.textContent,
      model: document.getElementById("model-info")?.textContent,
      top: [...document.querySelectorAll("#results li")].map((li) => li.querySelector(".topic")?.textContent),
      tokens: [...document.querySelectorAll("#tokens .token")].length })`);
    if (state && JSON.parse(state).results) break;
    await new Promise((done) => setTimeout(done, 500));
  }
  const page = JSON.parse(state ?? "{}");
  const screenshot = await send("Page.captureScreenshot", { format: "png" });
  mkdirSync(join(repoRoot, "dist"), { recursive: true });
  writeFileSync(join(repoRoot, "dist/demo.png"), Buffer.from(screenshot.result.data, "base64"));
  socket.close();
  console.log(`demo: ${page.model}`);
  console.log(`demo: ${page.status}`);
  console.log(`demo: result topics ${JSON.stringify(page.top)}; ${page.tokens} tokens shown; screenshot dist/demo.png`);
  if (!page.results) failure = `no results within ${timeoutSeconds} s`;
  else if (page.top[0] !== expectedTopic) failure = `top result is "${page.top[0]}", expected "${expectedTopic}"`;
  else if (page.tokens < 3) failure = "the tokenizer view is empty";
  else if (!page.model?.includes(expectedFormat === "f32" ? "f32 weights" : `${expectedFormat} bundle`)) {
    failure = `the page says "${page.model}", not the ${expectedFormat} weights it loaded`;
  }
} catch (error) {
  failure = error.message;
} finally {
  browser.kill("SIGKILL");
  await new Promise((done) => setTimeout(done, 300));
  await server.close();
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch {
    // a leftover temporary profile is harmless
  }
}
if (failure) {
  console.error(`demo test: FAIL: ${failure}`);
  process.exit(1);
}
console.log("demo test: PASS");
