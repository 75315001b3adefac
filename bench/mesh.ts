/**
 * Mesh estimator cost: faces/s of `meshAus` (geometry) on the real-face meshes of the yardstick, and of the
 * estimator as the pipeline runs it on the yardstick's photo faces (112 px aligned crops: + mouth appearance,
 * + the 68-point lip net, + the expression net: the default), against the detector's own cost per face (the
 * estimator must cost far less than detection).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttentionTracks, attentionOptions } from '../src/attention/index.js';
import {
  BaselineStore,
  DEFAULT_BASELINE,
  EXPRESSIONS_DIR,
  FaceExpressions,
  headPose,
  LANDMARKS68_DIR,
  Landmarks68,
  MeshEstimator,
  MeshStudent,
  meshAus,
  normalizeMesh,
  rawMeasures,
  STUDENT_DIR,
} from '../src/classify/index.js';
import { createDetector } from '../src/compose.js';
import { configSchema } from '../src/config/index.js';
import { loadYardstick } from '../src/dataset/index.js';
import { yardstickObservations } from '../src/eval/index.js';
import { decodeImage } from '../src/ingest/index.js';
import type { FaceObservation } from '../src/types.js';
import type { BenchOptions, BenchResult } from './harness.js';

const THREADS = configSchema.parse({}).classify.intraOpThreads;

/** ms per face of `est` over repeated calls with all `faces` (one ORT batch per call). */
async function msPerFace(est: MeshEstimator, faces: FaceObservation[], ms: number): Promise<number> {
  await est.estimate(faces.slice(0, 4)); // warm-up (ORT allocations)
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) n += (await est.estimate(faces)).length;
  return (performance.now() - t0) / n;
}

/**
 * Mouth appearance (crop), + the lip net (lips) and the default (+ the expression net), alternating in rounds so
 * load hits all alike.
 */
async function withCrops(
  ms: number,
): Promise<{ crop: number; lips: number; full: number; student: number; faces: number }> {
  const y = await loadYardstick();
  const faces = [
    ...(await yardstickObservations(y.faces.filter((f) => !f.image.includes('facematch')))).values(),
  ];
  // The pipeline's own ORT settings (classify.intraOpThreads).
  const ort = { provider: 'cpu', intraOpThreads: THREADS } as const;
  const crop = new MeshEstimator();
  const lips = new MeshEstimator({ landmarks: await Landmarks68.open(LANDMARKS68_DIR, ort) });
  const full = new MeshEstimator({
    landmarks: await Landmarks68.open(LANDMARKS68_DIR, ort),
    expressions: await FaceExpressions.open(EXPRESSIONS_DIR, ort),
  });
  const student = existsSync(join(STUDENT_DIR, 'model.json'))
    ? new MeshEstimator({
        landmarks: await Landmarks68.open(LANDMARKS68_DIR, ort),
        expressions: await FaceExpressions.open(EXPRESSIONS_DIR, ort),
        student: await MeshStudent.open(STUDENT_DIR, ort),
      })
    : undefined;
  const r = { crop: 0, lips: 0, full: 0, student: Number.NaN, faces: faces.length };
  const rounds = 3;
  const share = ms / rounds / (student ? 4 : 3);
  if (student) r.student = 0;
  for (let i = 0; i < rounds; i++) {
    r.crop += (await msPerFace(crop, faces, share)) / rounds;
    r.lips += (await msPerFace(lips, faces, share)) / rounds;
    r.full += (await msPerFace(full, faces, share)) / rounds;
    if (student) r.student += (await msPerFace(student, faces, share)) / rounds;
  }
  await Promise.all([crop.close(), lips.close(), full.close(), student?.close()]);
  return r;
}

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
  // The same faces as one track each of a stream at 30 fps, read against their running baselines (streams' default).
  const store = new BaselineStore(DEFAULT_BASELINE);
  const t2 = performance.now();
  for (let i = 0; i < n; i++) {
    const mesh = meshes[i % meshes.length] as Float32Array;
    const nm = normalizeMesh(mesh);
    const b = store.observe(
      'bench',
      i % meshes.length,
      Math.floor(i / meshes.length) * 33,
      rawMeasures(nm.pts, nm.count),
    );
    meshAus(mesh, { normalized: nm, person: { neutral: b.neutral(), weight: b.weight() } });
  }
  const baselineMs = (performance.now() - t2) / n;
  // Attention signals per face (pose from the shared fit, gaze, eyes, mouth, per-track state), as the attention
  // stage runs them after the mesh estimator: the fit is the estimator's (normalizeMeshOnce), not timed here.
  const normalized = meshes.map((m) => normalizeMesh(m));
  const tracks = new AttentionTracks(attentionOptions(configSchema.parse({}).attention));
  const attention = (i: number) => {
    const nm = normalized[i % normalized.length]!;
    tracks.get('bench', i % normalized.length).update({
      ptsMs: Math.floor(i / normalized.length) * 33,
      pts: nm.pts,
      count: nm.count,
      pose: headPose(nm.rotation),
      au12: 0.1,
      faces: 1,
    });
  };
  for (let i = 0; i < 200; i++) attention(i);
  const t3 = performance.now();
  for (let i = 200; i < 200 + n; i++) attention(i);
  const attentionMs = (performance.now() - t3) / n;
  // The fit itself, for an estimator that does not make it (the CNN): what attention costs then.
  const t4 = performance.now();
  for (let i = 0; i < n / 4; i++) normalizeMesh(meshes[i % meshes.length] as Float32Array);
  const fitMs = (performance.now() - t4) / (n / 4);

  const det = await createDetector(configSchema.parse({}).detect);
  const img = await decodeImage('node_modules/@vladmandic/face-api/demo/sample3.jpg');
  await det.detect(img);
  const reps = opts.quick ? 1 : 3;
  let faces = 0;
  const t1 = performance.now();
  for (let i = 0; i < reps; i++) faces += (await det.detect(img)).length;
  const detMsPerFace = (performance.now() - t1) / Math.max(1, faces);
  await det.close();
  const c = await withCrops(opts.quick ? 1500 : 6000);
  const note = `${c.faces} photo faces per call, 112 px crops, ${THREADS} ORT thread(s)`;
  return [
    {
      name: 'attention.signals_ms_per_face',
      value: attentionMs,
      unit: 'ms',
      target: '<= 0.3',
      note: `pose+gaze+eyes+mouth+track state on the estimator's fit; ${meshes.length} real-face meshes as tracks at 30 fps`,
    },
    {
      name: 'attention.with_fit_ms_per_face',
      value: attentionMs + fitMs,
      unit: 'ms',
      metric: 'the same when the estimator made no fit (CNN): + normalizeMesh',
      baseline: detMsPerFace,
      ratio: (attentionMs + fitMs) / detMsPerFace,
      note: 'baseline: detector ms per face',
    },
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
    {
      name: 'classify.mesh.baseline_ms_per_face',
      value: baselineMs,
      unit: 'ms',
      metric: 'geometry read against a per-track running baseline (streams) vs geometry alone (stills)',
      baseline: meshMs,
      ratio: baselineMs / meshMs,
      note: `${meshes.length} meshes as one track each, 30 fps of stream time`,
    },
    {
      name: 'classify.mesh.default_ms_per_face',
      value: c.full,
      unit: 'ms',
      metric:
        'the default estimator (geometry + mouth appearance + 68-point lip net + expression net) vs the detector per face',
      baseline: detMsPerFace,
      ratio: c.full / detMsPerFace,
      note,
    },
    {
      name: 'classify.mesh.default_faces_per_s',
      value: 1000 / c.full,
      unit: 'faces/s',
      metric: 'the default estimator vs geometry + mouth appearance (no crop nets)',
      baseline: 1000 / c.crop,
      ratio: c.crop / c.full,
      note,
    },
    ...(Number.isNaN(c.student)
      ? []
      : [
          {
            name: 'classify.mesh.student_ms_per_face',
            value: c.student,
            unit: 'ms',
            metric:
              'geometry + crop nets + the mesh student (features and its ONNX MLP) vs the same without the student',
            baseline: c.full,
            ratio: c.student / c.full,
            note,
          },
        ]),
    {
      name: 'classify.mesh.expression_net_faces_per_s',
      value: 1000 / c.full,
      unit: 'faces/s',
      metric: 'the default estimator vs the same without the expression net (geometry + mouth + lip net)',
      baseline: 1000 / c.lips,
      ratio: c.lips / c.full,
      note,
    },
  ];
}
