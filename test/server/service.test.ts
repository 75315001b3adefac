import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startService } from '../../src/server/service.js';
import type { StreamStatus } from '../../src/types.js';
import { collect, until } from '../helpers/nats.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

describe('startService (embedded nats-server, configured streams, WebSocket token)', () => {
  const tmp = tempDir('aupipe-svc-');
  afterAll(() => tmp.cleanup());

  it('starts its own broker under the data dir, runs config streams, and stops everything', async () => {
    const dataDir = path.join(tmp.dir, 'state');
    const config = testConfig(dataDir, {
      ingest: { fps: 5 },
      server: { streams: [{ id: 'demo', url: path.resolve('assets/sample.mp4'), loop: true }] },
      sink: { nats: { enabled: true, url: '' }, ws: { token: 'tok' } },
    });
    const svc = await startService({ config, factory: ingestOnlyFactory(config) });
    try {
      expect(svc.natsUrl).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(path.join(dataDir, 'nats', 'jetstream'))).toBe(true);
      const sub = await collect(svc.natsUrl, 'aupipe.demo.status');
      await until(() => (svc.server.manager.get('demo')?.frames ?? 0) >= 10, 30_000, 'frames');
      expect(svc.server.manager.get('demo')?.state).toBe('live');
      expect(svc.server.manager.get('demo')?.fps).toBeGreaterThan(0);
      // The dashboard's WebSocket needs the token; with it, status arrives.
      const denied = new WebSocket(`${svc.url.replace('http', 'ws')}/ws`);
      const code = await new Promise<number>((r) => denied.on('close', (c) => r(c)));
      expect(code).toBe(4401);
      const ws = new WebSocket(`${svc.url.replace('http', 'ws')}/ws?token=tok`);
      const got: { type: string }[] = [];
      ws.on('message', (d) => got.push(JSON.parse(d.toString())));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ op: 'subscribe', streams: ['demo'], channels: ['status'] }));
      await until(() => got.some((m) => m.type === 'status'), 5000, 'replayed status');
      ws.close();
      const health = (await (await fetch(`${svc.url}/healthz`)).json()) as { nats: { connected: boolean } };
      expect(health.nats.connected).toBe(true);
      const res = await fetch(`${svc.url}/api/streams/demo`, { method: 'DELETE' });
      expect(res.status).toBe(204);
      await until(
        () => (sub.msgs as StreamStatus[]).some((m) => m.state === 'ended'),
        10_000,
        'ended on NATS',
      );
      await sub.nc.close();
    } finally {
      await svc.close();
    }
    // The embedded broker is gone with the service.
    const port = Number(svc.natsUrl.split(':').at(-1));
    const alive = await new Promise<boolean>((r) =>
      net
        .connect(port, '127.0.0.1')
        .once('connect', function (this: net.Socket) {
          this.destroy();
          r(true);
        })
        .once('error', () => r(false)),
    );
    expect(alive).toBe(false);
  });
});
