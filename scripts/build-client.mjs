#!/usr/bin/env node
// Bundles the browser client (src/client/main.ts) with esbuild into dist/client/ (student.js + student.html);
// the server serves that folder at /client and /student. ORT-web's .wasm/.mjs stay outside the bundle (served
// from node_modules/onnxruntime-web/dist at /ort/), so the page loads them from the same origin.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, process.argv[2] ?? 'dist/client');
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'src/client/main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // ORT-web's build that loads its wasm glue from env.wasm.wasmPaths (our /ort/), not one inlined in the bundle
  conditions: ['onnxruntime-web-use-extern-wasm'],
  outfile: path.join(out, 'student.js'),
  sourcemap: true,
  minify: true,
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(path.join(root, 'src/client/student.html'), path.join(out, 'student.html'));
const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
console.log(
  `client bundle: ${path.relative(root, out)}/student.js (${(bytes / 1024).toFixed(0)} KiB with map)`,
);
