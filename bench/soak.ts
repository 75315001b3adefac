/**
 * Soak: N looping, camera-paced streams of the bundled video through the full pipeline for a while,
 * sampling RSS, to show memory stays flat (no leak in pools, batcher, tracker, emotion state, sinks).
 * `npm run bench -- soak` runs 10 minutes with 2 streams; `--quick` runs 1 minute.
 */
import { lastValueFrom, merge, takeUntil, timer } from 'rxjs';
import { createPipelineDeps } from '../src/compose.js';
import { parseSource } from '../src/ingest/index.js';
import { streamPipeline } from '../src/pipeline.js';
import { benchConfig } from './e2e-lib.js';
import type { BenchOptions, BenchResult } from './harness.js';

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const minutes = Number(process.env.AUPIPE_SOAK_MINUTES ?? (opts.quick ? 1 : 10));
  const streams = Number(process.env.AUPIPE_SOAK_STREAMS ?? 2);
  const config = benchConfig({ ingest: { fps: 10, realtime: true, loop: true } });
  const deps = await createPipelineDeps(config);
  const rss: number[] = [];
  let frames = 0;
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss / 2 ** 20), 5000);
  const stop$ = timer(minutes * 60_000);
  try {
    await lastValueFrom(
      merge(
        ...Array.from({ length: streams }, (_, i) =>
          streamPipeline(`soak${i}`, parseSource('assets/sample.mp4'), deps, {
            stop$,
            onFrame: () => {
              frames++;
            },
          }),
        ),
      ).pipe(takeUntil(timer(minutes * 60_000 + 30_000))),
      { defaultValue: null },
    ).then(undefined, () => null);
  } finally {
    clearInterval(sampler);
    await deps.close();
  }
  // after the first minute (warm-up, pools filled), RSS should stay within ±10% of its value then
  const settled = rss.slice(Math.min(rss.length - 1, 12));
  const first = settled[0] ?? Number.NaN;
  const last = settled[settled.length - 1] ?? Number.NaN;
  const max = Math.max(...settled);
  const min = Math.min(...settled);
  return [
    {
      name: `soak.${streams}x10fps.${minutes}min.frames`,
      value: frames,
      unit: 'frames',
      note: `expected ≈ ${streams * minutes * 600}`,
    },
    { name: `soak.${streams}x10fps.rss_after_1min`, value: first, unit: 'MiB' },
    {
      name: `soak.${streams}x10fps.rss_end`,
      value: last,
      unit: 'MiB',
      baseline: first,
      ratio: last / first,
      target: '0.9–1.1',
    },
    {
      name: `soak.${streams}x10fps.rss_range`,
      value: max - min,
      unit: 'MiB',
      note: `min ${min.toFixed(0)}, max ${max.toFixed(0)} after the first minute`,
    },
  ];
}
