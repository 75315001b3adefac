/**
 * Streams per worker: one `aupipe worker` on a local nats-server analyses N looping, camera-paced copies of
 * the bundled video at `fps` for a while; per stream, the analysed frames per second (distinct frame seqs
 * among its AU samples, from the worker's JSONL). The capacity is the largest N whose every stream keeps
 * ≥ 90 % of the asked rate. `npm run bench -- capacity` (N = 1, 2, 4, 6 at 2 fps, 25 s each;
 * `--quick`: 1, 2; BENCH_CAPACITY_STREAMS=8,12 tries other N).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { ClusterStore } from '../src/cluster/index.js';
import type { Message } from '../src/types.js';
import { startCli } from '../test/helpers/cli.js';
import { startTestNats } from '../test/helpers/nats.js';
import type { BenchOptions, BenchResult } from './harness.js';

const FPS = 2;

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const env = process.env.BENCH_CAPACITY_STREAMS; // e.g. "8,12" to look further (AUPIPE_* would reach the worker)
  const counts = env ? env.split(',').map(Number) : opts.quick ? [1, 2] : [1, 2, 4, 6];
  const seconds = opts.quick ? 15 : 25;
  const results: BenchResult[] = [];
  let capacity = 0;
  for (const n of counts) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aupipe-capacity-'));
    const nats = await startTestNats();
    const nc = await connect({ servers: nats.url });
    const file = path.join(dir, 'w.jsonl');
    const w = startCli(
      ['worker', '--nats', nats.url, '--max-streams', String(n), '--fps', String(FPS), '--jsonl', file],
      { AUPIPE_LOG_LEVEL: 'warn' },
    );
    try {
      const store = await ClusterStore.open(nc, { replicas: 1 });
      // let the worker load its models before the clock starts
      await new Promise((r) => setTimeout(r, 8000));
      for (let i = 0; i < n; i++)
        await store.putSpec({ id: `cap${i}`, source: path.resolve('assets/sample.mp4'), loop: true });
      await new Promise((r) => setTimeout(r, (seconds + 3) * 1000));
    } finally {
      try {
        w.signalGroup('SIGTERM');
      } catch {
        console.error(`capacity: the worker exited early:\n${w.out.stderr.slice(-2000)}`);
      }
      await w.exited;
      await nc.close();
      await nats.stop();
    }
    const seqs = new Map<string, { set: Set<number>; first: number; last: number }>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const m = JSON.parse(line) as Message;
      if (m.type !== 'au') continue;
      const s = seqs.get(m.streamId) ?? { set: new Set(), first: m.decodedAt, last: m.decodedAt };
      s.set.add(m.seq);
      s.first = Math.min(s.first, m.decodedAt);
      s.last = Math.max(s.last, m.decodedAt);
      seqs.set(m.streamId, s);
    }
    rmSync(dir, { recursive: true, force: true });
    const rates = Array.from({ length: n }, (_, i) => {
      const s = seqs.get(`cap${i}`);
      return s && s.last > s.first ? (s.set.size - 1) / ((s.last - s.first) / 1000) : 0;
    });
    const worst = Math.min(...rates);
    console.error(
      `capacity: ${n} stream(s) at ${FPS} fps: analysed ${rates.map((r) => r.toFixed(2)).join(', ')} fps`,
    );
    if (worst >= 0.9 * FPS) capacity = n;
    results.push({
      name: `worker ${n} stream(s) slowest analysed fps`,
      value: Math.round(worst * 100) / 100,
      unit: 'fps',
      target: `>= ${0.9 * FPS}`,
      note: `asked ${FPS} fps, frames with faces, one worker, ${seconds} s`,
    });
  }
  results.push({
    name: 'streams per worker (keeps 90 % of the rate)',
    value: capacity,
    unit: 'streams',
    note: `at ${FPS} fps, of ${counts.join('/')} tried; this machine: 2 cores shared with other jobs`,
  });
  return results;
}
