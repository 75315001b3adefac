/**
 * Ingest benchmark: decode frames/s of a 640x480 30 fps H.264 file into Node through openSource (full rate,
 * pooled buffers, frames released at once) beside ffmpeg decoding the same file to /dev/null as RGB24, in
 * the same run, interleaved (ABBA), median of several repeats. Target: Node >= 0.85 of ffmpeg alone. Also
 * CPU ms per frame (ffmpeg + Node vs ffmpeg alone), which a busy machine distorts far less than wall time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, PACKAGE_ROOT } from '../src/config/index.js';
import { liveChildPids, openSource, probe } from '../src/ingest/index.js';
import { type BenchOptions, type BenchResult, median } from './harness.js';

function ffmpeg(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
      stdio: 'ignore',
    });
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** CPU ms (user + system) a live PID has used so far, from /proc; undefined once it is gone. */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** Samples a child's CPU time every 10 ms while it runs (the last sample misses at most ~10 ms). */
function cpuWatcher(pids: () => readonly number[]): { stop: () => number } {
  const last = new Map<number, number>();
  const sample = () => {
    for (const pid of pids()) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) last.set(pid, ms);
    }
  };
  const timer = setInterval(sample, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return [...last.values()].reduce((a, b) => a + b, 0);
    },
  };
}

interface Run {
  readonly wallMs: number;
  /** ffmpeg's CPU, plus Node's for the ingest path. */
  readonly cpuMs: number;
  /** Node's own share of cpuMs (0 for ffmpeg alone). */
  readonly nodeCpuMs: number;
  readonly frames: number;
}

/** The reference: ffmpeg alone, same input, RGB24 out, nothing read by anyone. */
function ffmpegAlone(file: string): Promise<Run> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-i',
    file,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-y',
    '/dev/null',
  ];
  const t0 = performance.now();
  const p = spawn('ffmpeg', args, { stdio: 'ignore' });
  const cpu = cpuWatcher(() => (p.pid ? [p.pid] : []));
  return new Promise((resolve, reject) => {
    p.once('error', reject);
    p.once('exit', (code) => {
      const cpuMs = cpu.stop();
      if (code !== 0) reject(new Error(`ffmpeg exited ${code}`));
      else resolve({ wallMs: performance.now() - t0, cpuMs, nodeCpuMs: 0, frames: 0 });
    });
  });
}

/** Through the ingest stage: every frame assembled in Node and released at once. CPU = ffmpeg + Node. */
function intoNode(file: string): Promise<Run> {
  const cfg = configSchema.parse({ ingest: { width: 640, height: 480, fps: 30 } }).ingest;
  let frames = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cpu = cpuWatcher(liveChildPids);
  return new Promise((resolve, reject) => {
    openSource('bench', { kind: 'file', path: file }, cfg).subscribe({
      next: (ev) => {
        if (ev.kind !== 'frame') return;
        frames++;
        ev.frame.release();
      },
      error: reject,
      complete: () => {
        const wallMs = performance.now() - t0;
        const own = process.cpuUsage(c0);
        const nodeCpuMs = (own.user + own.system) / 1000;
        resolve({ wallMs, cpuMs: cpu.stop() + nodeCpuMs, nodeCpuMs, frames });
      },
    });
  });
}

async function compare(label: string, file: string, repeats: number): Promise<BenchResult[]> {
  const info = await probe(file, { countFrames: true });
  const n = info.frames ?? 0;
  const alone: Run[] = [];
  const node: Run[] = [];
  await intoNode(file); // warm the page cache and the JIT
  const viaNode = async () => {
    const r = await intoNode(file);
    if (r.frames !== n) throw new Error(`${label}: openSource gave ${r.frames} frames, ffprobe counts ${n}`);
    node.push(r);
  };
  // Interleaved in ABBA order, so drifting machine load hits both alike.
  for (let i = 0; i < repeats; i++) {
    if (i % 2 === 0) {
      alone.push(await ffmpegAlone(file));
      await viaNode();
    } else {
      await viaNode();
      alone.push(await ffmpegAlone(file));
    }
  }
  const fps = (runs: Run[]) => median(runs.map((r) => n / (r.wallMs / 1000)));
  const cpuPerFrame = (runs: Run[]) => median(runs.map((r) => r.cpuMs / n));
  const [a, b] = [fps(alone), fps(node)];
  const [ca, cb] = [cpuPerFrame(alone), cpuPerFrame(node)];
  const note = `${info.width}x${info.height} ${info.fps} fps ${info.codec}, ${n} frames, median of ${repeats}`;
  const id = `ingest.${label}`;
  return [
    { name: `${id}.ffmpeg_alone`, metric: 'throughput', value: a, unit: 'frames/s', note },
    {
      name: `${id}.node`,
      metric: 'throughput',
      value: b,
      unit: 'frames/s',
      baseline: a,
      ratio: b / a,
      target: '>= 0.85',
      note,
    },
    {
      name: `${id}.ffmpeg_alone.cpu`,
      metric: 'cpu per frame',
      value: ca,
      unit: 'ms/frame',
      note: 'ffmpeg user+sys',
    },
    {
      name: `${id}.node.cpu`,
      metric: 'cpu per frame',
      value: cb,
      unit: 'ms/frame',
      baseline: ca,
      ratio: ca / cb,
      note: 'ffmpeg + Node user+sys; ratio = efficiency vs ffmpeg alone, independent of machine load',
    },
    {
      name: `${id}.node_process.cpu`,
      metric: 'cpu per frame',
      value: median(node.map((r) => r.nodeCpuMs / n)),
      unit: 'ms/frame',
      note: "Node's own share (socket reads into pooled buffers, RxJS)",
    },
  ];
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'aupipe-bench-'));
  try {
    const seconds = opts.quick ? 5 : 10;
    const repeats = opts.quick ? 4 : 8;
    const synthetic = join(dir, 'testsrc2.mp4');
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=640x480:rate=30,noise=alls=12:allf=t`,
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-y',
      synthetic,
    ]);
    const out = await compare('h264_640x480_30fps', synthetic, repeats);
    const sample = join(PACKAGE_ROOT, 'assets', 'sample.mp4');
    if (!opts.quick && existsSync(sample)) out.push(...(await compare('sample_mp4', sample, repeats)));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
