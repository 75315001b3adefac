import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startService } from '../../src/server/service.js';
import type { EmotionEvent } from '../../src/types.js';
import { emotionEvent } from '../helpers/messages.js';
import { replayStream, until } from '../helpers/nats.js';
import { pidExists } from '../helpers/processes.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

interface Health {
  ok: boolean;
  degraded: string[];
  nats: { connected: boolean; embedded: { up: boolean; pid: number; restarts: number; lastExit?: string } };
}

describe('the embedded nats-server is supervised (real nats-server, SIGKILL)', () => {
  const tmp = tempDir('aupipe-sup-');
  afterAll(() => tmp.cleanup());

  it('restarts a killed broker, /healthz says degraded meanwhile and ok after, and publishing resumes', async () => {
    const config = testConfig(path.join(tmp.dir, 'state'), {
      sink: { nats: { enabled: true, url: '', reconnectWaitMs: 100 } },
    });
    const svc = await startService({ config, factory: ingestOnlyFactory(config) });
    const health = async () => {
      const res = await fetch(`${svc.url}/healthz`);
      const h = (await res.json()) as Health;
      expect(res.status).toBe(h.ok ? 200 : 503);
      return h;
    };
    try {
      await until(() => svc.nats!.stats().connected, 10_000, 'connected');
      const before = await health();
      expect(before).toMatchObject({ ok: true, degraded: [] });
      expect(before.nats.embedded).toMatchObject({ up: true, restarts: 0 });
      svc.nats!.publish(emotionEvent('cam', 1));
      await svc.nats!.flush(5000);

      const pid = before.nats.embedded.pid;
      process.kill(pid, 'SIGKILL');
      // while it is down the truth is told: not ok, 503, the broker named
      let down: Health | undefined;
      const t0 = Date.now();
      while (!down && Date.now() - t0 < 5000) {
        const h = await health();
        if (!h.ok) down = h;
        else await new Promise((r) => setTimeout(r, 5));
      }
      expect(down?.degraded).toEqual(['nats']);
      // published during the outage: buffered, delivered after the restart
      svc.nats!.publish(emotionEvent('cam', 2));

      let after = await health();
      const t1 = Date.now();
      while (!(after.ok && after.nats.embedded.restarts === 1) && Date.now() - t1 < 15_000) {
        await new Promise((r) => setTimeout(r, 50));
        after = await health();
      }
      expect(pidExists(pid)).toBe(false);
      expect(after.nats.embedded.pid).not.toBe(pid);
      expect(after.nats.embedded.lastExit).toBe('killed by SIGKILL');
      expect(after.nats.connected).toBe(true);
      svc.nats!.publish(emotionEvent('cam', 3));
      await svc.nats!.flush(5000);
      // the same store: the event before the crash, the buffered one and the one after are all there
      const got = (await replayStream(svc.natsUrl, 'AUPIPE_EVENTS', 'aupipe.cam.emotion', {
        min: 3,
      })) as EmotionEvent[];
      expect(got.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    } finally {
      await svc.close();
    }
  });
});
