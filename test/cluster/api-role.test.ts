/** `aupipe serve --role api` + one `aupipe worker` on a real nats-server: specs via HTTP, owners from leases. */
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, startCli } from '../helpers/cli.js';
import { startTestNats, type TestNats, until } from '../helpers/nats.js';

let nats: TestNats;
let nc: NatsConnection;
let api: CliProcess;
let worker: CliProcess;
let base = '';
const seen: { at: number; subject: string }[] = [];

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connect({ servers: nats.url });
  nc.subscribe('aupipe.>', { callback: (_e, m) => void seen.push({ at: Date.now(), subject: m.subject }) });
  api = startCli(['serve', '--role', 'api', '--nats', nats.url, '--port', '0']);
  worker = startCli([
    'worker',
    ...[
      '--nats',
      nats.url,
      '--worker-id',
      'solo',
      '--fps',
      '1',
      '--lease-ttl',
      '4000',
      '--heartbeat',
      '1000',
    ],
  ]);
  await until(() => /API\s+(http\S+)\/api\/streams/.test(api.out.stdout), 30_000, 'api node up');
  base = /API\s+(http\S+)\/api\/streams/.exec(api.out.stdout)![1]!;
}, 60_000);

afterAll(async () => {
  for (const p of [api, worker]) {
    try {
      p?.signalGroup('SIGKILL');
    } catch {}
  }
  await nc?.close();
  await nats?.stop();
});

const get = async (p: string) => (await fetch(`${base}${p}`)).json() as Promise<Record<string, unknown>>;

describe('serve --role api', () => {
  it('POST writes a spec that the worker claims; GET shows the owner; DELETE stops it', async () => {
    const bad = await fetch(`${base}/api/streams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bad.status).toBe(400);
    const res = await fetch(`${base}/api/streams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cam1', source: path.resolve('assets/sample.mp4'), loop: true }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'cam1', state: 'pending', owner: null });
    const dup = await fetch(`${base}/api/streams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cam1', source: 'x' }),
    });
    expect(dup.status).toBe(409);
    const end = Date.now() + 45_000;
    let one: Record<string, unknown> = {};
    while (Date.now() < end) {
      one = await get('/api/streams/cam1');
      if (one.owner === 'solo') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(one).toMatchObject({ id: 'cam1', owner: 'solo', state: 'running' });
    expect(typeof one.epoch).toBe('number');
    const list = await get('/api/streams');
    expect(list.streams).toHaveLength(1);
    await until(() => seen.some((s) => s.subject.startsWith('aupipe.cam1.')), 20_000, 'cam1 analysed');
    const del = await fetch(`${base}/api/streams/cam1`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await fetch(`${base}/api/streams/cam1`)).status).toBe(404);
    // the owner stops at its next heartbeat: after a grace, nothing more on cam1
    await new Promise((r) => setTimeout(r, 4000));
    const t = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    expect(seen.filter((s) => s.at > t && s.subject.startsWith('aupipe.cam1.'))).toEqual([]);
    expect(await get('/api/streams')).toEqual({ streams: [] });
    worker.signalGroup('SIGTERM');
    api.signalGroup('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.exited).toBe(0);
  }, 90_000);
});
