/**
 * Soak: `npm run bench -- soak --streams 8 --minutes 60 [--fps 10]`. The real service (`serve`: stream
 * manager, shared batcher, embedded nats-server, WebSocket hub, HTTP API) runs N looping, camera-paced
 * streams of the bundled video. Every 10 s it samples RSS, heap, open file descriptors (/proc/self/fd),
 * child processes (ffmpeg, nats-server) and per-stream counts (frames, messages, emotion events, state);
 * it counts fds and children before the service starts and after it has stopped. It prints a table
 * and writes the timeline to bench/results/soak-<date>.json (the usual result file as well).
 * Expectations: RSS flat after warm-up (end/after-warm-up in 0.9–1.1), events keep coming in the second
 * half, every stream still live at the end, fds and children back to their count before the start.
 * `--quick` is 1 minute with 2 streams.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/index.js';
import { serve } from '../src/server/index.js';
import type { BenchOptions, BenchResult } from './harness.js';

const SAMPLE_MS = 10_000;

interface StreamSample {
  readonly state: string;
  readonly frames: number;
  readonly messages: number;
  readonly emotionEvents: number;
}
interface Sample {
  readonly tSec: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly fds: number;
  readonly children: number;
  readonly streams: Record<string, StreamSample>;
}

/** Open file descriptors of this process. */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return Number.NaN;
  }
}

/** What each open fd points at (socket:[…], anon_inode:[eventfd], a file), to tell a leak from lazily made ones. */
export function fdTargets(): string[] {
  const out: string[] = [];
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        out.push(readlinkSync(`/proc/self/fd/${fd}`).replace(/\[\d+\]$/, '[…]'));
      } catch {
        /* closed meanwhile (the readdir's own fd) */
      }
    }
  } catch {
    /* no /proc */
  }
  return out.sort();
}

/** Live child processes of this process (any depth one), from /proc. */
export function childProcesses(): { count: number; names: string[] } {
  const names: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may contain spaces, so split after the last ')'
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z')
        names.push(stat.slice(stat.indexOf('(') + 1, close));
    } catch {
      /* gone meanwhile */
    }
  }
  return { count: names.length, names: names.sort() };
}

const num = (v: string | undefined, dflt: number, what: string): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`soak: --${what} "${v}" is not a positive number`);
  return n;
};

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const a = opts.args ?? {};
  const streams = Math.round(
    num(a.streams ?? process.env.AUPIPE_SOAK_STREAMS, opts.quick ? 2 : 8, 'streams'),
  );
  const minutes = num(a.minutes ?? process.env.AUPIPE_SOAK_MINUTES, opts.quick ? 1 : 60, 'minutes');
  const fps = num(a.fps, 10, 'fps');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'aupipe-soak-'));
  const sample = path.resolve('assets/sample.mp4');
  const config = configSchema.parse({
    logLevel: 'warn',
    ingest: { fps, realtime: true },
    server: {
      port: 0,
      dataDir,
      maxStreams: Math.max(32, streams),
      streams: Array.from({ length: streams }, (_, i) => ({ id: `soak${i}`, url: sample, loop: true })),
    },
  });

  const before = { fds: openFds(), fdTargets: fdTargets(), children: childProcesses() };
  const t0 = Date.now();
  const samples: Sample[] = [];
  const svc = await serve(config);
  const take = () => {
    const per: Record<string, StreamSample> = {};
    for (const s of svc.server.manager.list())
      per[s.id] = { state: s.state, frames: s.frames, messages: s.messages, emotionEvents: s.emotionEvents };
    const m = process.memoryUsage();
    samples.push({
      tSec: Math.round((Date.now() - t0) / 1000),
      rssMiB: Math.round((m.rss / 2 ** 20) * 10) / 10,
      heapMiB: Math.round((m.heapUsed / 2 ** 20) * 10) / 10,
      fds: openFds(),
      children: childProcesses().count,
      streams: per,
    });
    const last = samples.at(-1)!;
    const frames = Object.values(per).reduce((x, s) => x + s.frames, 0);
    console.error(
      `soak: ${last.tSec}s rss ${last.rssMiB} MiB heap ${last.heapMiB} MiB fds ${last.fds} children ${last.children} frames ${frames}`,
    );
  };
  let during: { fds: number; children: number };
  try {
    take();
    const timer = setInterval(take, SAMPLE_MS);
    await new Promise((r) => setTimeout(r, minutes * 60_000));
    clearInterval(timer);
    take();
    during = { fds: openFds(), children: childProcesses().count };
  } finally {
    await svc.close();
  }
  // let exited children be reaped and closed fds settle
  await new Promise((r) => setTimeout(r, 2000));
  const after = { fds: openFds(), fdTargets: fdTargets(), children: childProcesses() };
  const extra = [...after.fdTargets];
  for (const t of before.fdTargets) {
    const k = extra.indexOf(t);
    if (k >= 0) extra.splice(k, 1);
  }
  rmSync(dataDir, { recursive: true, force: true });

  const end = samples.at(-1)!;
  // warm-up: the first minute (or the first fifth of a short run): pools fill, the JIT settles
  const warm = samples.find((s) => s.tSec >= Math.min(60, (minutes * 60) / 5)) ?? samples[0]!;
  const mid = samples.find((s) => s.tSec >= (minutes * 60) / 2) ?? warm;
  const ids = Object.keys(end.streams).sort();
  const live = ids.filter((id) => end.streams[id]!.state === 'live').length;
  const events = (s: Sample) => ids.reduce((x, id) => x + (s.streams[id]?.emotionEvents ?? 0), 0);
  const frames = (s: Sample) => ids.reduce((x, id) => x + (s.streams[id]?.frames ?? 0), 0);
  const firstHalf = events(mid) - events(samples[0]!);
  const secondHalf = events(end) - events(mid);
  const rssAfterWarm = samples.filter((s) => s.tSec >= warm.tSec).map((s) => s.rssMiB);

  const table = ids.map((id) => ({ id, ...end.streams[id]! }));
  console.error('soak: per stream at the end');
  console.error(
    ['stream', 'state', 'frames', 'messages', 'emotionEvents']
      .map((h, i) => (i ? h.padStart(15) : h.padEnd(8)))
      .join(''),
  );
  for (const r of table)
    console.error(
      `${r.id.padEnd(8)}${r.state.padStart(15)}${String(r.frames).padStart(15)}${String(r.messages).padStart(15)}${String(r.emotionEvents).padStart(15)}`,
    );

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        streams,
        minutes,
        fps,
        before: { fds: before.fds, children: before.children.names },
        during,
        after: { fds: after.fds, children: after.children.names, fdsNotOpenBefore: extra },
        perStream: table,
        samples,
      },
      null,
      2,
    )}\n`,
  );
  console.error(`soak: timeline in ${file}`);

  const tag = `soak.${streams}x${fps}fps.${minutes}min`;
  return [
    {
      name: `${tag}.frames`,
      value: frames(end),
      unit: 'frames',
      note: `nominal ${streams * minutes * 60 * fps}`,
    },
    { name: `${tag}.streams_live_at_end`, value: live, unit: 'streams', target: `== ${streams}` },
    { name: `${tag}.emotion_events`, value: events(end), unit: 'events' },
    {
      name: `${tag}.events_second_half`,
      value: secondHalf,
      unit: 'events',
      baseline: firstHalf,
      ...(firstHalf > 0 && { ratio: secondHalf / firstHalf }),
      note: 'events keep coming (the first half is the baseline)',
    },
    { name: `${tag}.rss_after_warmup`, value: warm.rssMiB, unit: 'MiB', note: `at ${warm.tSec} s` },
    {
      name: `${tag}.rss_end`,
      value: end.rssMiB,
      unit: 'MiB',
      baseline: warm.rssMiB,
      ratio: end.rssMiB / warm.rssMiB,
      target: '0.9–1.1',
    },
    {
      name: `${tag}.rss_range_after_warmup`,
      value: Math.max(...rssAfterWarm) - Math.min(...rssAfterWarm),
      unit: 'MiB',
    },
    {
      name: `${tag}.heap_end`,
      value: end.heapMiB,
      unit: 'MiB',
      baseline: warm.heapMiB,
      ratio: end.heapMiB / warm.heapMiB,
    },
    { name: `${tag}.fds_before`, value: before.fds, unit: 'fds' },
    { name: `${tag}.fds_during_end`, value: during.fds, unit: 'fds' },
    {
      name: `${tag}.fds_after`,
      value: after.fds,
      unit: 'fds',
      baseline: before.fds,
      target: '== before',
      ...(extra.length && {
        note: `new: ${[...new Set(extra)].map((t) => `${t}×${extra.filter((x) => x === t).length}`).join(' ')}`,
      }),
    },
    {
      name: `${tag}.children_during_end`,
      value: during.children,
      unit: 'processes',
      note: `${streams} ffmpeg + nats-server`,
    },
    {
      name: `${tag}.children_after`,
      value: after.children.count,
      unit: 'processes',
      baseline: before.children.count,
      target: '== before',
      ...(after.children.count && { note: after.children.names.join(' ') }),
    },
  ];
}
