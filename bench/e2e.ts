/**
 * End to end: real video → ingest → detect/track → classify → emotion → NATS → a real subscriber.
 * (1) one stream at full analysis rate (30 fps), the 1-face sample and the 4-face variant;
 * (2) 1, 2, 4, 8 concurrent live-paced streams (ffmpeg -re) at 10 analysed fps each, with the detector on
 *     the main thread and on 2 worker threads (the default): the largest count that keeps real time with no
 *     drops, and where the time goes;
 * (3) 4 live streams with the default config while a busy-loop process holds one core.
 */

import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { type BreakdownRow, type BreakdownSpec, breakdown } from '../src/stage-timer.js';
import { benchConfig, clip, harness, measure, median, pct, type RunStats } from './e2e-lib.js';
import { modelLimit } from './e2e-limit.js';
import type { BenchOptions, BenchResult } from './harness.js';
import { decodeFrames } from './peer.js';

/**
 * The stage timer's spans (src/stage-timer.ts) as rows: `main` is the main thread, `off` is ffmpeg's CPU (its own
 * process). The `.ort` rows are main-thread time too: onnxruntime-node's `session.run` is synchronous (its async
 * wrapper only defers it with setImmediate), so with the detector in-process (`detect.workers` 0) every model
 * runs on the main thread, beside the JavaScript.
 */
const STAGES: readonly BreakdownSpec[] = [
  { stage: 'detect.prep (frame → 256² input)', where: 'main', from: 'detect.prep' },
  { stage: 'detect.ort (blazeface)', where: 'main', from: 'detect.ort' },
  { stage: 'detect.post (anchors, NMS)', where: 'main', from: 'detect.post' },
  { stage: 'mesh.prep (face → 192² input)', where: 'main', from: 'mesh.prep' },
  { stage: 'mesh.ort (facemesh)', where: 'main', from: 'mesh.ort' },
  { stage: 'mesh.post (points to frame)', where: 'main', from: 'mesh.post' },
  { stage: 'iris.ort', where: 'main', from: 'iris.ort' },
  { stage: 'track (shot cut, tracker)', where: 'main', from: 'track.shot' },
  { stage: 'track+align (ids, aligned crop)', where: 'main', from: 'track+align' },
  { stage: 'lips.prep (crop → tensor)', where: 'main', from: 'landmarks.prep' },
  { stage: 'lips.ort (68-pt net)', where: 'main', from: 'landmarks.ort' },
  { stage: 'expr.prep (crop → tensor)', where: 'main', from: 'expressions.prep' },
  { stage: 'expr.ort (expression net)', where: 'main', from: 'expressions.ort' },
  { stage: 'au (mesh geometry, baseline)', where: 'main', from: 'au' },
  {
    stage: 'attention signals',
    where: 'main',
    from: 'after.classify',
    minus: ['after.attention'],
  },
  { stage: 'emotion + attention events', where: 'main', from: 'after.attention', minus: ['publish'] },
  { stage: 'publish (NATS client)', where: 'main', from: 'publish' },
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The breakdown rows of a run with stage timing, with decode (ffmpeg CPU) and the untimed main-thread rest. */
function stageBreakdown(s: RunStats): BreakdownRow[] {
  const rows = breakdown(s.stages, STAGES, s.frames, s.faces);
  const main = rows.filter((r) => r.where === 'main').reduce((a, r) => a + r.msPerFrame * s.frames, 0);
  const per = (ms: number, calls: number, where: 'main' | 'off', stage: string): BreakdownRow => ({
    stage,
    where,
    calls,
    msPerFrame: ms / s.frames,
    msPerFace: s.faces > 0 ? ms / s.faces : Number.NaN,
  });
  return [
    per(s.childCpuMs, s.streams, 'off', 'decode (ffmpeg CPU)'),
    ...rows,
    per(Math.max(0, s.mainBusyMs - main), 0, 'main', 'other main (untimed: ingest reads, RxJS, batcher, GC)'),
    per(s.mainBusyMs, 0, 'main', 'main thread busy (event-loop active), total'),
  ];
}

function printBreakdown(label: string, s: RunStats, rows: readonly BreakdownRow[]): void {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
  console.error(
    `\n${label}: ${s.frames} frames, ${s.faces} faces, ${(s.frames / s.wallS).toFixed(1)} frames/s, load ${load()}`,
  );
  console.error(`  ${'stage'.padEnd(50)} where  ms/frame  ms/face`);
  for (const r of rows)
    console.error(
      `  ${r.stage.padEnd(50)} ${r.where.padEnd(5)} ${f(r.msPerFrame).padStart(9)} ${f(r.msPerFace).padStart(8)}`,
    );
}

const slug = (stage: string) => stage.split(' ')[0]!;

function summarise(prefix: string, s: RunStats, durationS: number, fps: number): BenchResult[] {
  const expected = Math.round(durationS * fps) * s.streams;
  return [
    {
      name: `${prefix}.analysed_fps`,
      value: s.frames / s.wallS,
      unit: 'frames/s',
      note: `${s.frames}/${expected} frames`,
    },
    { name: `${prefix}.faces_per_s`, value: s.faces / s.wallS, unit: 'faces/s' },
    {
      name: `${prefix}.latency_p50`,
      value: median(s.latency),
      unit: 'ms',
      metric: 'decode → NATS subscriber',
    },
    { name: `${prefix}.latency_p95`, value: pct(s.latency, 95), unit: 'ms', target: '<= 250' },
    {
      name: `${prefix}.cpu`,
      value: s.cpuPct,
      unit: '% of 1 core',
      note: 'node process (ffmpeg not counted)',
    },
    { name: `${prefix}.peak_rss`, value: s.peakRssMiB, unit: 'MiB' },
  ];
}

/** A run keeps real time when it ends within 10% (+1 s) of the clip, analyses ≥ 95% of frames, drops none. */
function keepsUp(s: RunStats, durationS: number, fps: number): boolean {
  const expected = Math.round(durationS * fps) * s.streams;
  return (
    s.wallS <= durationS * 1.1 + 1 &&
    s.frames >= 0.95 * expected &&
    s.dropped === 0 &&
    pct(s.latency, 95) < 1000
  );
}

/** Rounds of the 1-face share of the model-time limit: pipeline and bare models alternate, medians are compared. */
const LIMIT_ROUNDS = 3;

/**
 * The 1-face stream at full rate (no stage timer) against the bare models on its own frames, `LIMIT_ROUNDS` times
 * alternately, so both medians see the same machine load; each round is printed with the load.
 */
async function shareOfLimit(
  h: Awaited<ReturnType<typeof harness>>,
  config: ReturnType<typeof benchConfig>,
  file: string,
  limitFrames: number,
): Promise<BenchResult[]> {
  const frames = decodeFrames(file, 30, limitFrames);
  const fps: number[] = [];
  const limits: number[] = [];
  let ms: Record<string, number> = {};
  for (let r = 0; r < LIMIT_ROUNDS; r++) {
    const s = await measure(h, config, [file]);
    fps.push(s.frames / s.wallS);
    const lim = await modelLimit(config, frames, 640, 480, 1);
    limits.push(lim.fps);
    if (lim.fps === Math.max(...limits)) ms = lim.msPerFrame;
    console.error(
      `1-face round ${r + 1}: aupipe ${fps[r]!.toFixed(1)} frames/s, bare models ${lim.fps.toFixed(1)} frames/s ` +
        `(${((100 * fps[r]!) / lim.fps).toFixed(0)}%); load ${load()}`,
    );
  }
  const f = median(fps);
  const l = median(limits);
  console.error(
    `model-time limit (bare ORT, 1 face, ${frames.length} frames, detector every ${config.detect.every}), median of ` +
      `${LIMIT_ROUNDS}: ${l.toFixed(1)} frames/s (fastest round: ${Object.entries(ms)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')} ms/frame); aupipe ${f.toFixed(1)} frames/s = ${((100 * f) / l).toFixed(0)}%`,
  );
  return [
    {
      name: 'e2e.1face.model_limit_fps',
      value: l,
      unit: 'frames/s',
      note: `bare ORT, same models and schedule; median of ${LIMIT_ROUNDS}`,
    },
    {
      name: 'e2e.1face.30fps.unstaged_fps',
      value: f,
      unit: 'frames/s',
      note: `median of ${LIMIT_ROUNDS}, no stage timer`,
    },
    {
      name: 'e2e.1face.share_of_model_limit',
      value: f / l,
      unit: 'x',
      target: '>= 0.5',
      note: `median analysed fps / median model-time limit, ${LIMIT_ROUNDS} alternating rounds`,
    },
  ];
}

/** Seconds of assets/sample.mp4 that show one face (the second person enters at 5 s). */
const ONE_FACE_S = 4.8;

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const seconds = opts.quick ? 4 : 15;
  // assets/sample.mp4 shows 1 face for its first 5 s, then 2, then 4: the 1-face runs loop its first 4.8 s (the
  // model-time limit is for 1 face); the live streams take the whole clip (2.3 faces a frame on average over 15 s)
  const oneFace = clip('assets/sample.mp4', seconds, ONE_FACE_S);
  const one = clip('assets/sample.mp4', seconds);
  const four = clip('assets/sample-4faces.mp4', seconds);

  // (1) full-rate single streams
  const full = benchConfig({ ingest: { fps: 30 } });
  const h = await harness(full);
  try {
    for (const [label, file] of [
      ['1face', oneFace],
      ['4faces', four],
    ] as const) {
      const s = await measure(h, full, [file], { stages: true });
      results.push(...summarise(`e2e.${label}.30fps`, s, seconds, 30));
      const rows = stageBreakdown(s);
      printBreakdown(`e2e.${label}.30fps stage breakdown`, s, rows);
      for (const r of rows)
        results.push({
          name: `e2e.${label}.30fps.stage.${slug(r.stage)}`,
          value: r.msPerFrame,
          unit: 'ms/frame',
          note: `${r.where}; ${r.msPerFace.toFixed(2)} ms/face`,
        });
      if (label === '1face') results.push(...(await shareOfLimit(h, full, oneFace, opts.quick ? 60 : 150)));
      results.push({
        name: `e2e.${label}.30fps.realtime_ratio`,
        value: s.frames / s.wallS / 30,
        unit: 'x',
        target: '>= 1',
        note: 'analysed fps / 30',
      });
      results.push({ name: `e2e.${label}.detector_call_p50`, value: median(s.detectMs), unit: 'ms' });
    }
  } finally {
    await h.close();
  }

  // the default config at the live rate (the live rows say which worker count is the default)
  const def = benchConfig({ ingest: { fps: 10, realtime: true } });

  // (2) concurrent live-paced streams at 10 fps, detection on the main thread and on 2 worker threads
  for (const workers of [0, 2]) {
    const live = benchConfig({ ingest: { fps: 10, realtime: true }, detect: { workers } });
    const hl = await harness(live);
    const tag = `e2e.live.w${workers}`;
    let best = 0;
    try {
      for (const n of opts.quick ? [1, 2, 4] : [1, 2, 4, 8]) {
        const s = await measure(
          hl,
          live,
          Array.from({ length: n }, () => one),
        );
        const ok = keepsUp(s, seconds, 10);
        if (ok) best = n;
        results.push(
          ...summarise(`${tag}.${n}x10fps`, s, seconds, 10),
          {
            name: `${tag}.${n}x10fps.analysed_p50`,
            value: median(s.analysed),
            unit: 'ms',
            metric: 'decode → AU sample (ingest queue + detect + classify)',
          },
          {
            name: `${tag}.${n}x10fps.detector_call_p50`,
            value: median(s.detectMs),
            unit: 'ms',
            note: 'incl. queueing',
          },
          {
            name: `${tag}.${n}x10fps.dropped`,
            value: s.dropped,
            unit: 'faces',
            note: ok ? 'keeps real time' : 'falls behind',
          },
        );
        if (!ok && n > 1) break;
      }
    } finally {
      await hl.close();
    }
    results.push({
      name: `${tag}.max_realtime_streams`,
      value: best,
      unit: 'streams',
      target: '>= 4',
      note: `${workers ? `${workers} detector worker threads` : 'detector on the main thread'}${workers === def.detect.workers ? ' (the default)' : ''}`,
    });
  }

  // (3) 4 live streams, default config, while another process keeps one core busy (a `stress --cpu 1`)
  const hd = await harness(def);
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const s = await measure(
      hd,
      def,
      Array.from({ length: 4 }, () => one),
    );
    console.error(
      `4 live streams with one core loaded by another process: p95 ${pct(s.latency, 95)} ms, ${(s.frames / s.wallS).toFixed(1)} frames/s; load ${load()}`,
    );
    results.push(...summarise('e2e.live.default.4x10fps.one_core_loaded', s, seconds, 10), {
      name: 'e2e.live.default.4x10fps.one_core_loaded.keeps_up',
      value: keepsUp(s, seconds, 10) ? 1 : 0,
      unit: 'bool',
      target: '1',
      note: `detect.workers ${def.detect.workers}; a busy-loop process on one core`,
    });
  } finally {
    hog.kill('SIGKILL');
    await hd.close();
  }
  return results;
}
