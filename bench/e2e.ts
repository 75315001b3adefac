/**
 * End to end: real video → ingest → detect/track → classify → emotion → NATS → a real subscriber.
 * (1) one stream at full analysis rate (30 fps), the 1-face sample and the 4-face variant;
 * (2) 1, 2, 4, 8 concurrent live-paced streams (ffmpeg -re) at 10 analysed fps each, with the detector on
 *     the main thread and on 2 worker threads: the largest count that keeps real time with no drops, and
 *     where the time goes.
 */

import { benchConfig, clip, harness, measure, median, pct, type RunStats } from './e2e-lib.js';
import type { BenchOptions, BenchResult } from './harness.js';

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

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const seconds = opts.quick ? 4 : 15;
  const one = clip('assets/sample.mp4', seconds);
  const four = clip('assets/sample-4faces.mp4', seconds);

  // (1) full-rate single streams
  const full = benchConfig({ ingest: { fps: 30 } });
  const h = await harness(full);
  try {
    for (const [label, file] of [
      ['1face', one],
      ['4faces', four],
    ] as const) {
      const s = await measure(h, full, [file]);
      results.push(...summarise(`e2e.${label}.30fps`, s, seconds, 30));
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
      note: workers ? `${workers} detector worker threads` : 'detector on the main thread',
    });
  }
  return results;
}
