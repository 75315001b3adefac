/**
 * Detect stage benchmark: full detections/s and mesh-only follows/s on 640x480 frames with 1 and 4 faces,
 * then frames/s of the whole detect+track stage on 30 fps video with the detect-every-k scheduler, for the
 * three ways of filling the frames between detections (follow = mesh model on the tracked faces, hold =
 * reuse the last mesh, every frame = detector on every frame), with each option's landmark error against
 * the every-frame run. Frames are decoded up front so only the stage is timed. CPU ms are reported too:
 * each detector runs on one thread, so CPU time per frame is the cost on a dedicated core even on a busy
 * host. Per-call rates are measured for both detector runtimes (onnx, tfjs) in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { createDetector } from '../src/compose.js';
import { configSchema, PACKAGE_ROOT } from '../src/config/index.js';
import { alignFace, alignmentPoints, detectAndTrack, type FaceDetector, iou } from '../src/detect/index.js';
import type { Frame, FrameFaces } from '../src/types.js';
import { videoFrames } from '../test/detect/frames.js';
import type { BenchOptions, BenchResult } from './harness.js';

const W = 640;
const H = 480;

async function decode(file: string, n: number): Promise<Frame[]> {
  return lastValueFrom(
    videoFrames(path.resolve(PACKAGE_ROOT, file), W, H, 'bench', undefined, n).pipe(toArray()),
  );
}

/** A fast-moving face: astronaut.png zoomed 1.5x and swung left-right (up to ~9 px per frame). */
async function movingFace(n: number): Promise<Frame[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aupipe-bench-'));
  const file = path.join(dir, 'moving.mp4');
  try {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-loop', '1', '-framerate', '30', '-t', String(n / 30 + 1)],
      ...['-i', '/usr/lib/python3/dist-packages/skimage/data/astronaut.png', '-vf'],
      "scale=1280:960,setsar=1,zoompan=z=1.5:x='(iw-iw/zoom)*(0.5+0.4*sin(on/10))':" +
        "y='(ih-ih/zoom)*(0.2+0.1*cos(on/13))':d=1:s=640x480:fps=30,format=yuv420p",
      ...['-frames:v', String(n), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', file],
    ]);
    return await decode(file, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wall and CPU milliseconds of a task. */
async function measure(task: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await task();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

async function perCall(
  name: string,
  frames: Frame[],
  call: (f: Frame) => Promise<unknown>,
  reps: number,
): Promise<BenchResult> {
  await call(frames[0]!); // warm-up: first inference compiles kernels
  const m = await measure(async () => {
    for (let i = 0; i < reps; i++) await call(frames[i % frames.length]!);
  });
  return {
    name,
    metric: 'throughput',
    value: (reps * 1000) / m.wallMs,
    unit: '1/s',
    note: `${(m.cpuMs / reps).toFixed(1)} CPU ms per call (wall ${(m.wallMs / reps).toFixed(1)} ms)`,
  };
}

async function runStage(
  detector: FaceDetector,
  frames: Frame[],
  every: number,
): Promise<{
  out: FrameFaces[];
  wallMs: number;
  cpuMs: number;
}> {
  const cfg = configSchema.parse({ detect: { every } }).detect;
  let out: FrameFaces[] = [];
  const m = await measure(async () => {
    out = await lastValueFrom(from(frames).pipe(detectAndTrack(detector, cfg), toArray()));
  });
  return { out, ...m };
}

/** Mean distance (px) of the 5 alignment points of each face to the best-overlapping reference face. */
function landmarkError(out: FrameFaces[], ref: FrameFaces[]): number {
  let sum = 0;
  let n = 0;
  out.forEach((f, i) => {
    for (const face of f.faces) {
      let r: FrameFaces['faces'][number] | undefined;
      for (const g of ref[i]?.faces ?? []) if (!r || iou(g.box, face.box) > iou(r.box, face.box)) r = g;
      if (!r || iou(r.box, face.box) < 0.3) continue;
      const a = alignmentPoints(face.mesh);
      const b = alignmentPoints(r.mesh);
      for (let k = 0; k < 5; k++) sum += Math.hypot(a[2 * k]! - b[2 * k]!, a[2 * k + 1]! - b[2 * k + 1]!);
      n += 5;
    }
  });
  return n ? sum / n : Number.NaN;
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const nFrames = opts.quick ? 45 : 150;
  const reps = opts.quick ? 10 : 40;
  const cfg = configSchema.parse({}).detect;
  const results: BenchResult[] = [];
  // assets/sample.mp4 starts with 5 s of one face; sample-4faces.mp4 holds four.
  const one = await decode('assets/sample.mp4', nFrames);
  const four = await decode('assets/sample-4faces.mp4', nFrames);

  // Per call, both runtimes of the same models in this run: ONNX Runtime (default) vs tfjs-wasm (human).
  const perBackend: Record<string, BenchResult[]> = {};
  for (const backend of ['tfjs', 'onnx'] as const) {
    const d = await createDetector({ ...cfg, backend });
    try {
      const prev1 = await d.detect(one[0]!);
      const prev4 = await d.detect(four[0]!);
      perBackend[backend] = [
        await perCall(`detect.${backend}.detect_640x480_1face`, one, (f) => d.detect(f), reps),
        await perCall(`detect.${backend}.detect_640x480_4faces`, four, (f) => d.detect(f), reps),
        await perCall(`detect.${backend}.follow_640x480_1face`, one, (f) => d.follow!(f, prev1), reps),
        await perCall(`detect.${backend}.follow_640x480_4faces`, four, (f) => d.follow!(f, prev4), reps),
      ];
    } finally {
      await d.close();
    }
    results.push(...perBackend[backend]!);
  }
  perBackend.onnx!.forEach((r, i) => {
    const base = perBackend.tfjs![i]!;
    results.push({
      name: r.name.replace('detect.onnx.', 'detect.onnx_vs_tfjs.'),
      metric: 'speedup',
      value: r.value / base.value,
      unit: 'x',
      note: `${r.value.toFixed(1)} vs ${base.value.toFixed(1)} calls/s`,
    });
  });

  const detector = await createDetector(cfg);
  try {
    const prev1 = await detector.detect(one[0]!);
    const n = opts.quick ? 500 : 3000;
    const a = await measure(async () => {
      for (let i = 0; i < n; i++) alignFace(one[0]!, prev1[0]!.mesh, cfg.cropSize);
    });
    results.push({
      name: `detect.align_${cfg.cropSize}px`,
      metric: 'latency',
      value: (a.wallMs * 1000) / n,
      unit: 'us/crop',
      note: `${((a.cpuMs * 1000) / n).toFixed(0)} CPU us per crop (5-point fit + bilinear warp)`,
    });

    const hold: FaceDetector = {
      detect: (img) => detector.detect(img),
      close: async () => {},
    };
    const moving = await movingFace(nFrames);
    for (const [label, frames] of [
      ['1face', one],
      ['1face_moving', moving],
      ['4faces', four],
    ] as const) {
      const ref = await runStage(detector, frames, 1);
      const runs = [
        ['every1', ref, detector] as const,
        ['every3_follow', await runStage(detector, frames, cfg.every), detector] as const,
        ['every3_hold', await runStage(hold, frames, cfg.every), hold] as const,
      ];
      for (const [mode, r] of runs) {
        const fps = (frames.length * 1000) / r.wallMs;
        const cpuFps = (frames.length * 1000) / r.cpuMs;
        results.push({
          name: `detect.stage_${label}_${mode}`,
          metric: 'throughput',
          value: fps,
          unit: 'frames/s',
          target: label === '1face' && mode === 'every3_follow' ? '>= 30' : undefined,
          note:
            `${(r.cpuMs / frames.length).toFixed(1)} CPU ms/frame (= ${cpuFps.toFixed(0)} fps on a free core)` +
            (mode === 'every1'
              ? ''
              : `, landmark error vs every frame ${landmarkError(r.out, ref.out).toFixed(2)} px`),
        });
      }
    }
  } finally {
    await detector.close();
  }
  return results;
}
