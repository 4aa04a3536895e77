// Inference images/s of one ONNX model in onnxruntime-node (CPU, 2 intra-op threads, all graph optimisations):
// seeded random inputs at the given batch, a warm-up, then runs until the time budget is spent; prints JSON like
// `neutron bench inference --json`. Benchmark-only: bench/compare-ort.sh installs onnxruntime-node outside the repo.
// usage: NODE_PATH=CACHE/node_modules node bench/ort_model.js MODEL BATCH SECONDS THREADS
const ort = require('onnxruntime-node');

async function main() {
  const [model, batchText, secondsText, threadsText] = process.argv.slice(2);
  const batch = Number(batchText), seconds = Number(secondsText), threads = Number(threadsText);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  // Same inputs as the engine's benchmark in spirit: uniform in [-1, 1), seeded (a small LCG; values do not
  // change the speed of float arithmetic here).
  let state = 42;
  const next = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648 * 2 - 1; };
  const feeds = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor`);
    const shape = meta.shape.map((d, i) => typeof d === 'number' && d >= 0 ? d : i === 0 ? batch : NaN);
    if (shape.some(Number.isNaN)) throw new Error(`input '${meta.name}' has a symbolic dimension other than the batch`);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = next();
    feeds[meta.name] = new ort.Tensor('float32', data, shape);
  }
  const images = Object.values(feeds)[0].dims[0];
  const warmStart = process.hrtime.bigint();
  for (let runs = 0; runs < 2 || (runs < 50 && Number(process.hrtime.bigint() - warmStart) / 1e9 < Math.min(1, seconds / 4)); runs++)
    await session.run(feeds);
  const start = process.hrtime.bigint();
  let runs = 0, elapsed = 0;
  while (runs < 1 || elapsed < seconds) {
    await session.run(feeds);
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  console.log(JSON.stringify({ model, batch: images, threads, runtime: `onnxruntime-node ${ort.env.versions.common}`,
    runs, seconds: elapsed, images_per_s: runs * images / elapsed }));
}

main().catch(e => { console.error(`ort_model.js: ${e.message}`); process.exit(1); });
