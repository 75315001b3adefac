// Runs an ONNX model in ONNX Runtime (onnxruntime-node, CPU) on a raw float32 input file (any rank; the trainer's
// models take NCHW) and prints the outputs as JSON; with --bench N it also reports faces/s at batch N. Used by the
// Python exporter's checks. `output` is the first output; `outputs` holds every output by name.
// Usage: node ort_check.mjs model.onnx input.f32 n c h w [--bench 16] [--threads 2]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');

const [model, inputFile, ...args] = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const dims = firstFlag < 0 ? args : args.slice(0, firstFlag);
const rest = firstFlag < 0 ? [] : args.slice(firstFlag);
const opt = (name, dflt) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : dflt;
};
const threads = opt('--threads', 2);
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
const shape = dims.map(Number);
const buf = readFileSync(inputFile);
const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
const inName = session.inputNames[0];
const result = await session.run({ [inName]: new ort.Tensor('float32', data, shape) });
const out = result[session.outputNames[0]];
const outputs = Object.fromEntries(
  session.outputNames.map((name) => [name, { dims: result[name].dims, data: Array.from(result[name].data) }]),
);
const report = { inputName: inName, outputName: session.outputNames[0], dims: out.dims, output: Array.from(out.data), outputs };
const bench = opt('--bench', 0);
if (bench > 0) {
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const batch = new Float32Array(bench * per);
  for (let i = 0; i < bench; i++) batch.set(data.subarray((i % shape[0]) * per, ((i % shape[0]) + 1) * per), i * per);
  const feeds = { [inName]: new ort.Tensor('float32', batch, [bench, ...shape.slice(1)]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  // best of 5 rounds: the machine is shared, and the best round is the least disturbed one
  const runs = Math.max(5, Math.ceil(160 / bench));
  let sec = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    sec = Math.min(sec, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  report.bench = { batch: bench, threads, runs, rounds: 5, facesPerSecond: (runs * bench) / sec, msPerBatch: (1000 * sec) / runs };
}
console.log(JSON.stringify(report));
