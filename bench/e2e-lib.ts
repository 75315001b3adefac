/** Shared pieces of the end-to-end benchmarks: a measured pipeline run with a real NATS subscriber. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance as perfHooks } from 'node:perf_hooks';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom, merge, tap } from 'rxjs';
import { createPipelineDeps, createSinks } from '../src/compose.js';
import { type Config, loadConfig } from '../src/config/index.js';
import type { FaceDetector } from '../src/detect/index.js';
import { parseSource } from '../src/ingest/index.js';
import { type PipelineDeps, streamPipeline } from '../src/pipeline.js';
import { type EmbeddedNats, startNatsServer } from '../src/sink/index.js';
import { clockMs, StageTimes, type StageTotal, setStageTimer } from '../src/stage-timer.js';
import { median } from './harness.js';

export const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** The bench's config: defaults, then AUPIPE_* variables (e.g. AUPIPE_DETECT_PROVIDER=cuda), then `over`. */
export function benchConfig(over: Record<string, unknown>): Config {
  // the bench's own knobs (AUPIPE_SOAK_*) are not config keys
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AUPIPE_SOAK_')));
  return loadConfig({ env, overrides: { logLevel: 'warn', ...over } });
}

/** `config` publishing to the NATS server at `url` (the bench's own broker). */
export function withNats(config: Config, url: string): Config {
  return { ...config, sink: { ...config.sink, nats: { ...config.sink.nats, enabled: true, url } } };
}

/** Cuts the first `seconds` of a video (stream copy) so quick runs stay short. */
export function clip(src: string, seconds: number, firstS?: number): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'aupipe-bench-')), path.basename(src));
  if (firstS === undefined || firstS >= seconds) {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-t', String(seconds), '-c', 'copy', out]);
    return out;
  }
  // the source's first `firstS` seconds, looped to `seconds` (each loop is a cut: the tracker starts anew)
  const head = `${out}.head${path.extname(src)}`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-t', String(firstS), '-c', 'copy', head]);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-stream_loop',
    '-1',
    '-i',
    head,
    '-t',
    String(seconds),
    '-c',
    'copy',
    out,
  ]);
  return out;
}

/** Times every detector call, to say where the time goes. */
export function timedDetector(d: FaceDetector, ms: number[]): FaceDetector {
  const time =
    <A extends unknown[]>(f: (...a: A) => ReturnType<FaceDetector['detect']>) =>
    async (...a: A) => {
      const t0 = performance.now();
      try {
        return await f(...a);
      } finally {
        ms.push(performance.now() - t0);
      }
    };
  return {
    detect: time(d.detect.bind(d)),
    ...(d.follow ? { follow: time(d.follow.bind(d)) } : {}),
    close: () => d.close(),
  };
}

export interface RunStats {
  readonly streams: number;
  readonly frames: number;
  readonly faces: number;
  readonly wallS: number;
  readonly cpuPct: number;
  readonly peakRssMiB: number;
  /** decode → AuSample received by a NATS subscriber (ms). */
  readonly latency: readonly number[];
  /** decode → classify done (ms): ingest queue + detect + classify. */
  readonly analysed: readonly number[];
  readonly detectMs: readonly number[];
  readonly dropped: number;
  /** With `measure(…, { stages: true })`: the stage timer's totals (src/stage-timer.ts), else empty. */
  readonly stages: Readonly<Record<string, StageTotal>>;
  /** Main thread busy (event-loop utilisation's active time) over the run, ms. */
  readonly mainBusyMs: number;
  /** CPU of the child processes that exited during the run (ffmpeg decoding), ms. */
  readonly childCpuMs: number;
}

/** CPU ms of this process's waited-for children (Linux /proc/self/stat cutime + cstime; 0 elsewhere). */
export function childCpuMs(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    // fields 16 and 17 (cutime, cstime) are rest[13], rest[14]; clock ticks of 1/100 s on Linux
    return (Number(rest[13]) + Number(rest[14])) * 10;
  } catch {
    return 0;
  }
}

export interface Harnessed {
  readonly deps: PipelineDeps & { close(): Promise<void> };
  readonly nats: EmbeddedNats;
  readonly sub: NatsConnection;
  /** Every detector call's duration (ms) since the last `measure`. */
  readonly detectMs: number[];
  close(): Promise<void>;
}

export async function harness(config: Config): Promise<Harnessed> {
  const detectMs: number[] = [];
  const deps = await createPipelineDeps(config);
  const timed = { ...deps, detector: timedDetector(deps.detector, detectMs) };
  const nats = await startNatsServer({ storeDir: mkdtempSync(path.join(tmpdir(), 'aupipe-bench-nats-')) });
  const sub = await connect({ servers: nats.url });
  return {
    deps: timed,
    nats,
    sub,
    detectMs,
    async close() {
      await sub.close();
      await deps.close();
      await nats.stop();
    },
  };
}

/** Runs `files` as concurrent streams through the full pipeline and a real NATS subscriber. */
export async function measure(
  h: Harnessed,
  config: Config,
  files: readonly string[],
  o: { readonly stages?: boolean } = {},
): Promise<RunStats> {
  const times = o.stages ? new StageTimes() : undefined;
  const latency: number[] = [];
  const analysed: number[] = [];
  h.detectMs.length = 0;
  let frames = 0;
  let faces = 0;
  const pub = (await createSinks(withNats(config, h.nats.url))).nats!;
  await pub.whenReady();
  const subscription = h.sub.subscribe(`${config.sink.nats.subjectPrefix}.*.au`);
  let expected = 0;
  let got = 0;
  let allReceived: () => void = () => {};
  const done = new Promise<void>((r) => {
    allReceived = r;
  });
  let sourcesDone = false;
  (async () => {
    for await (const m of subscription) {
      latency.push(Date.now() - (m.json() as { decodedAt: number }).decodedAt);
      got++;
      if (sourcesDone && got >= expected) allReceived();
    }
  })();
  await h.sub.flush();
  const dropped0 = h.deps.batcher.stats().dropped;
  let peak = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const cpu0 = process.cpuUsage();
  const child0 = childCpuMs();
  const elu0 = perfHooks.eventLoopUtilization();
  if (times) setStageTimer(times);
  const t0 = performance.now();
  await lastValueFrom(
    merge(
      ...files.map((f, i) =>
        streamPipeline(`s${i}`, parseSource(f), h.deps, {
          onFrame: () => {
            frames++;
          },
          onFrameAus: (fa) => {
            faces += fa.faces.length;
            for (const s of fa.samples) analysed.push(Date.now() - s.decodedAt);
          },
        }).pipe(
          tap((m) => {
            if (m.type === 'au') expected++;
            if (!times) return pub.publish(m);
            const p0 = clockMs();
            pub.publish(m);
            times.add('publish', clockMs() - p0, m.type === 'au' ? 1 : 0);
          }),
        ),
      ),
    ),
    { defaultValue: null },
  );
  await pub.flush();
  sourcesDone = true;
  if (got < expected) await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  const wallS = (performance.now() - t0) / 1000;
  if (times) setStageTimer(undefined);
  const elu = perfHooks.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(rssTimer);
  subscription.unsubscribe();
  await pub.close();
  return {
    streams: files.length,
    frames,
    faces,
    wallS,
    cpuPct: ((cpu.user + cpu.system) / 1e6 / wallS) * 100,
    peakRssMiB: peak / 2 ** 20,
    latency,
    analysed,
    detectMs: h.detectMs.splice(0),
    dropped: h.deps.batcher.stats().dropped - dropped0,
    stages: times?.snapshot() ?? {},
    mainBusyMs: elu.active,
    childCpuMs: childCpuMs() - child0,
  };
}

export { median };
