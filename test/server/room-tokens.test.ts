/**
 * Room tokens: the in-memory store on an injected clock (expiry, the TTL bound, revocation, the size bound), and
 * on the real server with API auth on: issued by an admin through POST /api/rooms/:id/tokens; the student page's
 * files load without an API token; /client/settings.json and /ingest bind the client to the token's room, a
 * token for room A cannot ingest into room B (4403); sink.ws.token and API tokens still ingest; a room token
 * opens no API route; deleting the room revokes its tokens.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClientSettings } from '../../src/client/index.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { RoomTokens } from '../../src/server/room-tokens.js';
import { WsHub } from '../../src/sink/index.js';
import { auSample } from '../helpers/messages.js';
import { until } from '../helpers/nats.js';
import { ingestOnlyFactory, testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

describe('RoomTokens (virtual time)', () => {
  it('issues random room tokens that expire, bounded by the maximum TTL', () => {
    let now = 1_000_000;
    const t = new RoomTokens({ maxTtlSec: 600, maxTokens: 3 }, () => now);
    const a = t.issue('a', { student: 'Ada' })!;
    const b = t.issue('b', { ttlSec: 60 })!;
    const c = t.issue('a', { ttlSec: 10_000 })!; // asked for more than the bound: gets the bound
    expect(a.token).toMatch(/^rt_[A-Za-z0-9_-]{32}$/);
    expect(new Set([a.token, b.token, c.token]).size).toBe(3);
    expect(a).toMatchObject({ room: 'a', student: 'Ada', expiresAt: now + 600_000 });
    expect(b.expiresAt).toBe(now + 60_000);
    expect(c.expiresAt).toBe(now + 600_000);
    expect(t.issue('c')).toBeNull(); // full
    expect(t.check(a.token)).toEqual(a);
    expect(t.check('sekret')).toBeUndefined();
    expect(t.check(`${a.token}x`)).toBeUndefined();
    now += 60_000; // b's last millisecond has passed
    expect(t.check(b.token)).toBeUndefined();
    expect(t.check(a.token)).toBeDefined();
    expect(t.size()).toBe(2);
    expect(t.revokeRoom('a')).toBe(2);
    expect(t.check(a.token)).toBeUndefined();
    expect(t.size()).toBe(0);
    expect(t.issue('c')).not.toBeNull();
  });
});

const ADMIN = 'admin-token-0123456789';
const READ = 'read-token-0123456789';
const WS = 'ws-token-0123456789';

describe('room tokens on the server (API auth on)', () => {
  const tmp = tempDir('aupipe-room-tokens-');
  let server: AupipeServer;
  let http: string;
  let wsBase: string;

  beforeAll(async () => {
    const config = testConfig(path.join(tmp.dir, 'state'), {
      server: {
        auth: {
          tokens: [
            { token: READ, scope: 'read' },
            { token: ADMIN, scope: 'admin' },
          ],
        },
      },
      sink: { ws: { token: WS } },
    });
    server = createServer({ config, factory: ingestOnlyFactory(config), hub: new WsHub(config.sink.ws) });
    http = await server.listen();
    wsBase = http.replace('http', 'ws');
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  const api = (p: string, token: string, init: RequestInit = {}) =>
    fetch(`${http}${p}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });
  const issue = async (room: string, body: unknown = {}) => {
    const r = await api(`/api/rooms/${room}/tokens`, ADMIN, { method: 'POST', body: JSON.stringify(body) });
    expect(r.status).toBe(201);
    return (await r.json()) as { token: string; room: string; student?: string; expiresAt: number };
  };
  /** Opens /ingest; resolves with the close code, or 'open' once the server accepted and kept it. */
  const ingest = (query: string) =>
    new Promise<{ code: number | 'open'; ws: WebSocket }>((resolve) => {
      const ws = new WebSocket(`${wsBase}/ingest?${query}`);
      let timer: NodeJS.Timeout | undefined;
      ws.on('open', () => {
        timer = setTimeout(() => resolve({ code: 'open', ws }), 300);
      });
      ws.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, ws });
      });
      ws.on('error', () => {});
    });

  it('issues tokens to admins only, for rooms that exist', async () => {
    for (const id of ['room-a', 'room-b'])
      expect((await api('/api/rooms', ADMIN, { method: 'POST', body: JSON.stringify({ id }) })).status).toBe(
        201,
      );
    expect((await api('/api/rooms/room-a/tokens', READ, { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await fetch(`${http}/api/rooms/room-a/tokens`, { method: 'POST' })).status).toBe(401);
    expect((await api('/api/rooms/nope/tokens', ADMIN, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(
      (await api('/api/rooms/room-a/tokens', ADMIN, { method: 'POST', body: '{"ttlSec":5}' })).status,
    ).toBe(400);
    const t = await issue('room-a', { student: 'Ada L', ttlSec: 600 });
    expect(t).toMatchObject({ room: 'room-a', student: 'Ada L' });
    expect(t.expiresAt - Date.now()).toBeGreaterThan(590_000);
    expect(t.expiresAt - Date.now()).toBeLessThanOrEqual(600_000);
  });

  it('serves the student page files without an API token; settings bind the page to the token room', async () => {
    const { token } = await issue('room-a');
    for (const p of ['/student', '/client/student.js', '/models/detect/blazeface.onnx'])
      expect((await fetch(`${http}${p}`)).status, p).not.toBe(401);
    expect((await fetch(`${http}/models/detect/blazeface.onnx`)).status).toBe(200);
    const s = (await (await fetch(`${http}/client/settings.json?token=${token}`)).json()) as ClientSettings;
    expect(s.room).toBe('room-a');
    expect((await fetch(`${http}/client/settings.json?token=${token}&room=room-b`)).status).toBe(403);
    // a room token opens no API route
    expect((await api('/api/rooms', token)).status).toBe(401);
    expect((await api('/api/streams', token)).status).toBe(401);
  });

  it('binds /ingest to the token room: joins it without ?room=, 4403 for another room, 4401 without a token', async () => {
    const { token } = await issue('room-a', { student: 'Grace' });
    const ok = await ingest(`stream=web-tok1&token=${token}`);
    expect(ok.code).toBe('open');
    expect(server.rooms.get('room-a')!.streams).toContain('web-tok1');
    expect(server.ingest!.list().find((c) => c.streamId === 'web-tok1')).toMatchObject({
      room: 'room-a',
      student: 'Grace',
    });
    ok.ws.send(JSON.stringify(auSample('web-tok1', 1)));
    await until(() => server.ingest!.list().some((c) => c.streamId === 'web-tok1' && c.messages === 1));
    ok.ws.close();

    const other = await ingest(`stream=web-tok2&room=room-b&token=${token}`);
    expect(other.code).toBe(4403);
    expect(server.rooms.get('room-b')!.streams).toEqual([]);
    expect((await ingest(`stream=web-tok3&room=room-a`)).code).toBe(4401);
    expect((await ingest(`stream=web-tok3&room=room-a&token=rt_forged`)).code).toBe(4401);
    expect(server.ingest!.stats().refused).toMatchObject({ INGEST_ROOM_FORBIDDEN: 1 });
  });

  it('still ingests with sink.ws.token and with API tokens; deleting a room revokes its tokens', async () => {
    const ws = await ingest(`stream=web-ws&room=room-b&token=${WS}`);
    expect(ws.code).toBe('open');
    ws.ws.close();
    const rd = await ingest(`stream=web-rd&token=${READ}`);
    expect(rd.code).toBe('open');
    rd.ws.close();
    const { token } = await issue('room-b');
    expect((await api('/api/rooms/room-b', ADMIN, { method: 'DELETE' })).status).toBe(200);
    expect((await ingest(`stream=web-gone&token=${token}`)).code).toBe(4401);
    expect(server.roomTokens.check(token)).toBeUndefined();
  });
});
