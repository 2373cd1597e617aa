// The demo page: sends the query to the worker as you type and renders results and the query's WordPiece tokens.
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const input = document.getElementById("query");
const status = document.getElementById("status");
const resultList = document.getElementById("results");
const tokenView = document.getElementById("tokens");
const labelView = document.getElementById("label");
const barsView = document.getElementById("probabilities");
let labels = [];
let latest = 0;
let timer = null;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function ask(query) {
  const id = ++latest;
  if (!query.trim()) {
    resultList.replaceChildren();
    tokenView.replaceChildren();
    labelView.textContent = "";
    barsView.replaceChildren();
    return;
  }
  worker.postMessage({ type: "search", id, query });
  worker.postMessage({ type: "tokenize", id, text: query });
  worker.postMessage({ type: "classify", id, text: query });
}

worker.onmessage = ({ data }) => {
  if (data.type === "progress") status.textContent = data.text;
  else if (data.type === "model") {
    const mib = (data.bytes / 1048576).toFixed(1);
    const kind = data.format === "f32" ? "f32 weights" : `${data.format} bundle`;
    document.getElementById("model-info").textContent = `all-MiniLM-L6-v2, ${kind}: model.safetensors ${mib} MiB`;
  }
  else if (data.type === "head") {
    labels = data.labels;
    const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
    document.getElementById("head-info").textContent = `intents head: ${labels.length} labels (${labels.join(", ")}), `
      + `head file ${kib(data.headBytes)}; module wasmicro-heads.wasm ${kib(data.moduleBytes)}`;
  }
  else if (data.type === "label" && data.id === latest) {
    labelView.textContent = `${data.label} (${(100 * data.score).toFixed(1)}%, ${data.milliseconds.toFixed(0)} ms)`;
    document.body.dataset.label = data.label;
    barsView.replaceChildren(...data.probabilities.map((p, index) => {
      const row = element("div", "bar");
      const fill = element("span", "fill");
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      row.append(element("span", "name", labels[index]), fill, element("span", "value", p.toFixed(3)));
      return row;
    }));
  }
  else if (data.type === "error") status.textContent = `error: ${data.message}`;
  else if (data.type === "ready") {
    status.textContent = `ready: ${data.documents} documents embedded (${data.dimension} dimensions) in ${data.milliseconds} ms`;
    input.disabled = false;
    input.focus();
    const initial = new URLSearchParams(location.search).get("q");
    if (initial) {
      input.value = initial;
      ask(initial);
    }
  } else if (data.type === "results" && data.id === latest) {
    status.textContent = `top ${data.results.length} of the documents for “${data.query}” (${data.milliseconds.toFixed(0)} ms)`;
    resultList.replaceChildren(...data.results.map((result) => {
      const item = element("li");
      item.append(element("span", "score", result.score.toFixed(3)), element("span", "topic", result.topic), result.text);
      return item;
    }));
    document.body.dataset.results = String(data.results.length);
  } else if (data.type === "tokens" && data.id === latest) {
    tokenView.replaceChildren(...data.tokens.map((token, index) => {
      const chip = element("span", token.startsWith("[") && token.endsWith("]") ? "token special" : "token", token);
      chip.append(element("small", "", String(data.ids[index])));
      return chip;
    }));
  }
};

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => ask(input.value), 150);
});

worker.postMessage({ type: "load" });
