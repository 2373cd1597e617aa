// A tiny static file server for the demo and the headless-browser test: serves web/ at "/", a model directory at
// "/model/" and (optionally) fixtures/ at "/fixtures/", on 127.0.0.1 only. POST /__result hands a JSON body to
// `onResult` (the browser test's way back); `onRequest` sees every other request first and may answer it itself (the
// cache test counts and refuses model requests). No dependencies; not a production server.
//
// CLI: node web/demo/serve.mjs [--model models/all-MiniLM-L6-v2] [--port 8080]   then open http://127.0.0.1:8080/demo/
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const webDirectory = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8", ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm", ".png": "image/png", ".svg": "image/svg+xml",
};

/**
 * Starts the server. `mounts` maps URL prefixes ("/model/") to directories; everything else comes from web/.
 * `onRequest(path, request, response)` returns true when it has answered the request.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startServer({ port = 0, mounts = {}, onResult, onRequest } = {}) {
  const roots = Object.entries(mounts).map(([prefix, directory]) => [prefix, resolve(directory)]);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    if (request.method === "POST" && path === "/__result") {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        response.writeHead(204).end();
        onResult?.(JSON.parse(body));
      });
      return;
    }
    if (onRequest?.(path, request, response)) return;
    let root = webDirectory, relative = path;
    for (const [prefix, directory] of roots) {
      if (path.startsWith(prefix)) {
        root = directory;
        relative = path.slice(prefix.length - 1);
        break;
      }
    }
    let file = resolve(join(root, relative));
    if (file !== root && !file.startsWith(root + sep)) return response.writeHead(403).end("forbidden");
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) return response.writeHead(404).end("not found");
    response.writeHead(200, {
      "content-type": types[extname(file)] ?? "application/octet-stream",
      "content-length": statSync(file).size,
      "cache-control": "no-cache",
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise) => {
    server.listen(port, "127.0.0.1", () => {
      resolvePromise({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argument = (name, fallback) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : fallback;
  };
  const model = argument("--model", "models/all-MiniLM-L6-v2");
  if (!existsSync(join(model, "model.safetensors"))) {
    console.error(`no model.safetensors in ${model} (run \`make model\`)`);
    process.exit(1);
  }
  const heads = join(webDirectory, "..", "fixtures", "heads");
  const { url } = await startServer({ port: Number(argument("--port", 8080)), mounts: { "/model/": model, "/heads/": heads } });
  console.log(`wasmicro demo: ${url}/demo/   (model from ${model}; Ctrl-C to stop)`);
}
