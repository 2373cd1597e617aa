// The wasm engine's side of `make bench`, shared by Node (ci/bench-wasm.mjs) and the browser page (index.html here):
// for each weight format, the cold start (bytes → module instantiation → model load → first embedding) and the timed
// cases of the cases file that ci/bench.py writes. Returns raw timings; ci/bench.py computes the statistics.

/**
 * @param {object} options
 * @param {(source: any) => Promise<void>} options.init       wasmicro's init
 * @param {any} options.Model                                  wasmicro's Model
 * @param {() => Promise<any>} options.wasmSource             the module bytes (or URL) to instantiate, fetched anew
 * @param {(format: string) => Promise<object>} options.loadFiles  the Model.load files of a format, read anew
 * @param {string[]} options.formats
 * @param {{name: string, texts: string[], tokens: number}[]} options.cases
 * @param {number} options.runs
 * @param {() => number} options.now                           milliseconds
 */
export async function runCases({ init, Model, wasmSource, loadFiles, formats, cases, runs, now }) {
  const results = [];
  for (const format of formats) {
    const cold = [];
    for (let run = 0; run < runs; run += 1) {
      const started = now();
      await init(await wasmSource());
      const model = Model.load(await loadFiles(format));
      model.embed(cases[0].texts[0]);
      cold.push(now() - started);
      model.dispose();
    }
    results.push({ format, case: "cold start", tokens: null, milliseconds: cold });
    await init(await wasmSource());
    const model = Model.load(await loadFiles(format));
    for (const item of cases) {
      const counted = item.texts.reduce((sum, text) => sum + model.tokenizer.encode(text).inputIds.length, 0);
      if (counted !== item.tokens) throw new Error(`${item.name}: ${counted} tokens, the cases file says ${item.tokens}`);
      const run = item.texts.length === 1 ? () => model.embed(item.texts[0]) : () => model.embedBatch(item.texts);
      for (let warm = 0; warm < 3; warm += 1) run();
      const times = [];
      for (let index = 0; index < runs; index += 1) {
        const started = now();
        run();
        times.push(now() - started);
      }
      results.push({ format, case: item.name, tokens: item.tokens, milliseconds: times });
    }
    model.dispose();
  }
  return results;
}
