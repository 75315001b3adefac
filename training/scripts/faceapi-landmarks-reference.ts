/**
 * Writes training/tests/fixtures/faceapi-landmarks-reference.json: face-api's faceLandmark68Net (tfjs-wasm,
 * the npm package's own weights) on the fixture face `face112.rgb`, the reference the PyTorch converter and
 * the ONNX export are checked against. `npx tsx training/scripts/faceapi-landmarks-reference.ts`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = process.cwd();
const tf = require(path.join(root, 'node_modules/@tensorflow/tfjs'));
const wasm = require(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm'));
wasm.setWasmPaths(`${path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
await tf.setBackend('wasm');
await tf.ready();
const api = require(path.join(root, 'node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js'));
await api.nets.faceLandmark68Net.loadFromDisk(path.join(root, 'node_modules/@vladmandic/face-api/model'));
const fix = 'training/tests/fixtures';
const rgb = readFileSync(`${fix}/face112.rgb`);
const t = tf.tensor3d(Int32Array.from(rgb), [112, 112, 3], 'int32');
// forward(): the raw 136 outputs after face-api's post-processing, relative to the (square) input.
const rel = await api.nets.faceLandmark68Net.forward(t);
const relative = Array.from(await rel.data());
rel.dispose();
t.dispose();
const pkg = JSON.parse(readFileSync('node_modules/@vladmandic/face-api/package.json', 'utf8'));
writeFileSync(
  `${fix}/faceapi-landmarks-reference.json`,
  `${JSON.stringify({ source: `@vladmandic/face-api ${pkg.version}, tfjs ${tf.version_core}, backend wasm`, input: 'face112.rgb (112x112 RGB uint8, HWC)', relative })}\n`,
);
console.log(`68 landmarks, first ${relative.slice(0, 4).map((v) => v.toFixed(4)).join(', ')}`);
