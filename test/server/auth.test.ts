import path from 'node:path';
import { NEVER, takeUntil } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSinks } from '../../src/compose.js';
import { ConfigError } from '../../src/errors.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

const READ = 'read-token-0123456789';
const ADMIN = 'admin-token-0123456789';

/** Opens a WebSocket and says whether the hub accepted it (hello) or closed it (its close code). */
function wsOutcome(url: string): Promise<'hello' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('message', (d) => {
      if ((JSON.parse(String(d)) as { type: string }).type === 'hello') {
        ws.close();
        resolve('hello');
      }
    });
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => {});
  });
}

describe('HTTP API auth: read and admin tokens, one hook over every route', () => {
  const tmp = tempDir('aupipe-auth-');
  let srv: AupipeServer;
  let base: string;
  let started = 0;

  beforeAll(async () => {
    const config = testConfig(path.join(tmp.dir, 'state'), {
      server: {
        auth: {
          tokens: [
            { token: READ, scope: 'read' },
            { token: ADMIN, scope: 'admin' },
          ],
        },
        rtspAllowHosts: ['*'],
      },
    });
    const { hub } = await createSinks(config, undefined, { ws: true });
    srv = createServer({
      config,
      hub: hub!,
      factory: (_id, _s, o) => {
        started++;
        return NEVER.pipe(takeUntil(o.stop$));
      },
    });
    // a route added after the server was built (as another module would) is covered too
    srv.app.get('/api/later', async () => ({ secret: 1 }));
    // and so is one in an encapsulated plugin (as a module adding its routes in a plugin would)
    void srv.app.register(async (f) => {
      f.get('/api/plugin-things', async () => ({ things: [] }));
      f.post('/api/plugin-things', async () => ({ ok: true }));
    });
    base = await srv.listen();
  });
  afterAll(async () => {
    await srv.close();
    tmp.cleanup();
  });

  const post = (token?: string, query = '') =>
    fetch(`${base}/api/streams${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({
        url: 'rtsp://cam.example/live',
        id: `c${Math.random().toString(36).slice(2, 8)}`,
      }),
    });

  it('answers 401 with a code to a request without a token, on every route but the public ones', async () => {
    for (const p of [
      '/api/streams',
      '/api/streams/x',
      '/metrics',
      '/api/later',
      '/api/rooms',
      '/api/plugin-things',
      '/nope',
    ]) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
    }
    expect((await post()).status).toBe(401);
    expect(
      (await fetch(`${base}/api/streams`, { headers: { authorization: 'Bearer wrong-token-xxxxxxxx' } }))
        .status,
    ).toBe(401);
    expect(started).toBe(0);
  });

  it('serves /healthz, the dashboard page, its assets and the favicon without a token', async () => {
    for (const p of ['/healthz', '/', '/app.js', '/style.css', '/favicon.ico', '/favicon.svg'])
      expect((await fetch(`${base}${p}`)).status, p).toBe(200);
  });

  it('lets a read token GET but answers 403 on admin routes', async () => {
    const h = { authorization: `Bearer ${READ}` };
    expect((await fetch(`${base}/api/streams`, { headers: h })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { headers: h })).status).toBe(200);
    expect((await fetch(`${base}/api/later?token=${READ}`)).status).toBe(200);
    expect((await fetch(`${base}/api/rooms`, { headers: h })).status).toBe(200);
    expect((await fetch(`${base}/api/rooms`, { method: 'POST', headers: h })).status).toBe(403);
    expect((await fetch(`${base}/api/plugin-things`, { headers: h })).status).toBe(200);
    expect((await fetch(`${base}/api/plugin-things`, { method: 'POST', headers: h })).status).toBe(403);
    expect(
      (
        await fetch(`${base}/api/plugin-things`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}` },
        })
      ).status,
    ).toBe(200);
    const res = await post(READ);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('FORBIDDEN');
    expect((await fetch(`${base}/api/streams/x`, { method: 'DELETE', headers: h })).status).toBe(403);
    expect((await fetch(`${base}/api/uploads`, { method: 'POST', headers: h, body: 'x' })).status).toBe(403);
    expect(started).toBe(0);
  });

  it('lets an admin token create and delete, by header or by ?token=', async () => {
    const res = await post(ADMIN);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(started).toBe(1);
    expect((await fetch(`${base}/api/streams/${id}?token=${ADMIN}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('keeps the WebSocket behind the same tokens (either scope subscribes)', async () => {
    const ws = base.replace(/^http/, 'ws');
    expect(await wsOutcome(`${ws}/ws`)).toBe(4401);
    expect(await wsOutcome(`${ws}/ws?token=nope-nope-nope-nope`)).toBe(4401);
    expect(await wsOutcome(`${ws}/ws?token=${READ}`)).toBe('hello');
    expect(await wsOutcome(`${ws}/ws?token=${ADMIN}`)).toBe('hello');
  });
});

describe('binding beyond loopback', () => {
  const tmp = tempDir('aupipe-bind-');
  afterAll(() => tmp.cleanup());

  it('refuses to build a server on a non-loopback host without a token (CONFIG_AUTH_REQUIRED)', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      const config = testConfig(tmp.dir, { server: { host } });
      const { hub } = await createSinks(config, undefined, { ws: true });
      let err: unknown;
      try {
        createServer({ config, hub: hub!, factory: () => NEVER });
      } catch (e) {
        err = e;
      }
      await hub!.close();
      expect(err, host).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('CONFIG_AUTH_REQUIRED');
    }
  });

  it('starts on a non-loopback host once a token is configured, and on loopback without one', async () => {
    for (const over of [
      { host: '0.0.0.0', auth: { tokens: [{ token: ADMIN, scope: 'admin' as const }] } },
      { host: 'localhost' },
    ]) {
      const config = testConfig(tmp.dir, { server: over });
      const { hub } = await createSinks(config, undefined, { ws: true });
      const srv = createServer({ config, hub: hub!, factory: () => NEVER });
      await srv.listen();
      await srv.close();
    }
  });
});
