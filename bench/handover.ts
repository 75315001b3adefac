/**
 * Handover: a 3-node nats-server cluster (JetStream R3), 3 `aupipe worker` processes, 6 looping streams
 * at 1 fps; 10 times a stream-owning worker is SIGKILLed and the time until each of its streams is
 * analysed again by another worker (its next message with a new owner epoch) is measured. A fresh worker
 * replaces each victim. `npm run bench -- handover` (10 kills; `--quick`: 3). Lease TTL 4 s, heartbeat 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { ClusterStore, epochOfTrack, ownerAt } from '../src/cluster/index.js';
import type { Message } from '../src/types.js';
import { type CliProcess, startCli } from '../test/helpers/cli.js';
import { startNatsCluster } from '../test/helpers/nats-cluster.js';
import { type BenchOptions, type BenchResult, median } from './harness.js';

const STREAMS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const kills = opts.quick ? 3 : 10;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aupipe-handover-'));
  const cluster = await startNatsCluster(3);
  const nc = await connect({ servers: cluster.urls.split(',') });
  const workers = new Map<string, CliProcess>();
  let n = 0;
  const start = () => {
    const id = `hw${++n}`;
    workers.set(
      id,
      startCli(
        [
          'worker',
          ...['--nats', cluster.urls, '--worker-id', id, '--max-streams', '3', '--replicas', '3'],
          ...['--lease-ttl', '4000', '--heartbeat', '1000', '--fps', '1'],
        ],
        { AUPIPE_LOG_LEVEL: 'warn' },
      ),
    );
  };
  const seen: { at: number; msg: Message }[] = [];
  nc.subscribe('aupipe.>', {
    callback: (_e, m) => void seen.push({ at: Date.now(), msg: m.json<Message>() }),
  });
  const times: number[] = [];
  try {
    const store = await ClusterStore.open(nc, { replicas: 3 });
    for (const id of STREAMS)
      await store.putSpec({ id, source: path.resolve('assets/sample.mp4'), loop: true });
    for (let i = 0; i < 3; i++) start();
    const owners = async () => {
      const m = new Map<string, { owner: string | null; epoch: number }>();
      for (const [id, l] of await store.leases())
        m.set(id, { owner: ownerAt(l, Date.now()), epoch: l.lease.epoch ?? l.revision });
      return m;
    };
    const until = async (f: () => Promise<boolean> | boolean, ms: number, what: string) => {
      const end = Date.now() + ms;
      while (
        !(await Promise.resolve()
          .then(f)
          .catch(() => false))
      ) {
        if (Date.now() > end) throw new Error(`handover bench: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    let o = await owners();
    await until(
      async () => {
        o = await owners();
        return STREAMS.every((s) => workers.has(o.get(s)?.owner ?? ''));
      },
      60_000,
      'six owned streams',
    );
    for (let k = 0; k < kills; k++) {
      o = await owners();
      const victim = [...workers.keys()].find((w) => [...o.values()].some((e) => e.owner === w))!;
      const lost = STREAMS.filter((s) => o.get(s)?.owner === victim);
      const t0 = Date.now();
      workers.get(victim)!.signalGroup('SIGKILL');
      workers.delete(victim);
      let worst = 0;
      for (const s of lost) {
        const old = o.get(s)!.epoch;
        const isNew = (x: { at: number; msg: Message }) =>
          x.at > t0 &&
          'streamId' in x.msg &&
          x.msg.streamId === s &&
          'trackId' in x.msg &&
          typeof x.msg.trackId === 'number' &&
          epochOfTrack(x.msg.trackId) !== old;
        await until(() => seen.some(isNew), 30_000, `${s} analysed again`);
        worst = Math.max(worst, seen.find(isNew)!.at - t0);
      }
      times.push(worst);
      console.error(`handover: kill ${k + 1}/${kills}: ${lost.length} stream(s) back after ${worst} ms`);
      start();
      await until(
        async () => {
          o = await owners();
          return STREAMS.every((s) => workers.has(o.get(s)?.owner ?? ''));
        },
        30_000,
        'all streams owned again',
      );
    }
  } finally {
    for (const w of workers.values()) {
      try {
        w.signalGroup('SIGKILL');
      } catch {}
    }
    await nc.close().catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const note = `${kills} SIGKILLs, 3 workers, 6 streams at 1 fps, lease TTL 4 s, heartbeat 1 s; per kill the slowest of its streams`;
  return [
    { name: 'cluster handover median', value: median(times), unit: 'ms', target: '< 10000', note },
    { name: 'cluster handover max', value: Math.max(...times), unit: 'ms', target: '< 10000', note },
  ];
}
