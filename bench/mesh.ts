/**
 * Mesh estimator cost: faces/s of `meshAus` on the real-face meshes of the yardstick, against the detector's
 * own cost per face on the same photos (the estimator must cost far less than detection).
 */
import { readFileSync } from 'node:fs';
import { meshAus } from '../src/classify/mesh/index.js';
import { configSchema } from '../src/config/index.js';
import { createFaceDetector } from '../src/detect/index.js';
import { decodeImage } from '../src/ingest/image.js';
import type { BenchOptions, BenchResult } from './harness.js';

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const fx = JSON.parse(readFileSync('test/fixtures/meshes/real-faces.json', 'utf8')) as {
    faces: { mesh: number[] }[];
  };
  const meshes = fx.faces.map((f) => Float32Array.from(f.mesh));
  const n = opts.quick ? 600 : 6000;
  for (let i = 0; i < 100; i++) meshAus(meshes[i % meshes.length] as Float32Array);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) meshAus(meshes[i % meshes.length] as Float32Array);
  const meshMs = (performance.now() - t0) / n;

  const det = await createFaceDetector(configSchema.parse({}).detect);
  const img = await decodeImage('node_modules/@vladmandic/face-api/demo/sample3.jpg');
  await det.detect(img);
  const reps = opts.quick ? 1 : 3;
  let faces = 0;
  const t1 = performance.now();
  for (let i = 0; i < reps; i++) faces += (await det.detect(img)).length;
  const detMsPerFace = (performance.now() - t1) / Math.max(1, faces);
  await det.close();
  return [
    { name: 'classify.mesh.faces_per_s', value: 1000 / meshMs, unit: 'faces/s', metric: 'throughput' },
    {
      name: 'classify.mesh.ms_per_face',
      value: meshMs,
      unit: 'ms',
      baseline: detMsPerFace,
      ratio: meshMs / detMsPerFace,
      target: 'ratio <= 0.05',
      note: 'baseline: detector ms per face (1920x1280 photo, 3 faces)',
    },
  ];
}
