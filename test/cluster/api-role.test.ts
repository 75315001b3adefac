/** `aupipe serve --role api` + one `aupipe worker` on a real nats-server: specs via HTTP, owners from leases. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, startCli } from '../helpers/cli.js';
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
      body: JSON.stringify({
        id: 'cam1',
        source: path.resolve('assets/sample.mp4'),
        loop: true,
        room: 'r1',
      }),
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
    // the stream's status and its room come from JetStream and the KV, not from the node: a second API
    // node (as behind a load balancer) answers the same
    const statusOf = async (at: string) =>
      ((await (await fetch(`${at}/api/streams/cam1`)).json()) as { status: { state: string } | null }).status;
    for (let i = 0; i < 80 && (await statusOf(base))?.state !== 'live'; i++)
      await new Promise((r) => setTimeout(r, 250));
    expect(await statusOf(base)).toMatchObject({ state: 'live' });
    const rooms = { rooms: [{ id: 'r1', streams: ['cam1'], running: 1 }] };
    expect(await get('/api/rooms')).toEqual(rooms);
    const room = await get('/api/rooms/r1');
    expect(room).toMatchObject({ id: 'r1', running: 1, streams: [{ id: 'cam1', owner: 'solo' }] });
    expect((await fetch(`${base}/api/rooms/nope`)).status).toBe(404);
    const api2 = startCli(['serve', '--role', 'api', '--nats', nats.url, '--port', '0']);
    try {
      await until(() => /API\s+(http\S+)\/api\/streams/.test(api2.out.stdout), 30_000, 'api node 2 up');
      const base2 = /API\s+(http\S+)\/api\/streams/.exec(api2.out.stdout)![1]!;
      expect(await (await fetch(`${base2}/api/rooms`)).json()).toEqual(rooms);
      const [a, b] = await Promise.all([get('/api/streams/cam1'), fetch(`${base2}/api/streams/cam1`)]);
      const two = (await b.json()) as Record<string, unknown>;
      for (const k of ['owner', 'epoch', 'state', 'room']) expect(two[k], k).toEqual(a[k]);
      expect(two.status).toMatchObject({ state: 'live' });
    } finally {
      api2.signalGroup('SIGKILL');
    }
    const del = await fetch(`${base}/api/streams/cam1`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await fetch(`${base}/api/streams/cam1`)).status).toBe(404);
    // the owner stops at its next heartbeat: after a grace, nothing more on cam1
    await new Promise((r) => setTimeout(r, 4000));
    const t = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    expect(seen.filter((s) => s.at > t && s.subject.startsWith('aupipe.cam1.'))).toEqual([]);
    expect(await get('/api/streams')).toEqual({ streams: [] });
    expect(await get('/api/rooms')).toEqual({ rooms: [] });
    worker.signalGroup('SIGTERM');
    api.signalGroup('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await api.exited).toBe(0);
  }, 90_000);
});

describe('serve --role api behind the API tokens', () => {
  it('answers 401 without a token, 403 to a read token on a write, and refuses a public bind without tokens', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'api-auth-'));
    const cfg = path.join(dir, 'auth.yaml');
    writeFileSync(
      cfg,
      'server:\n  auth:\n    tokens:\n      - { token: read-token-0123456789, scope: read }\n      - { token: admin-token-0123456789, scope: admin }\n',
    );
    const node = startCli(['serve', '--role', 'api', '--nats', nats.url, '--port', '0', '--config', cfg]);
    try {
      await until(() => /API\s+(http\S+)\/api\/streams/.test(node.out.stdout), 30_000, 'api node up');
      const at = /API\s+(http\S+)\/api\/streams/.exec(node.out.stdout)![1]!;
      expect((await fetch(`${at}/api/streams`)).status).toBe(401);
      const read = { authorization: 'Bearer read-token-0123456789' };
      expect((await fetch(`${at}/api/streams`, { headers: read })).status).toBe(200);
      const body = JSON.stringify({ id: 'authz', source: 'assets/sample.mp4' });
      const json = { 'content-type': 'application/json' };
      expect(
        (await fetch(`${at}/api/streams`, { method: 'POST', headers: { ...read, ...json }, body })).status,
      ).toBe(403);
      const admin = { authorization: 'Bearer admin-token-0123456789', ...json };
      expect((await fetch(`${at}/api/streams`, { method: 'POST', headers: admin, body })).status).toBe(201);
      const del = { authorization: 'Bearer admin-token-0123456789' };
      expect((await fetch(`${at}/api/streams/authz`, { method: 'DELETE' })).status).toBe(401);
      expect((await fetch(`${at}/api/streams/authz`, { method: 'DELETE', headers: del })).status).toBe(204);
    } finally {
      node.signalGroup('SIGKILL');
    }
    const open = await runCli([
      'serve',
      '--role',
      'api',
      '--nats',
      nats.url,
      '--port',
      '0',
      '--host',
      '0.0.0.0',
    ]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('CONFIG_AUTH_REQUIRED');
  }, 60_000);
});
