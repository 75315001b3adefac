import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { interval, map, takeUntil } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSinks } from '../../src/compose.js';
import { configSchema } from '../../src/config/index.js';
import { type AupipeServer, createServer } from '../../src/server/index.js';
import { RoomRegistry } from '../../src/server/rooms.js';
import type { StreamFactory } from '../../src/server/stream-manager.js';
import { NatsPublisher } from '../../src/sink/index.js';
import type { Message, RoomAggregate } from '../../src/types.js';
import { auVec, sample } from '../emotion/helpers.js';
import { startTestNats, type TestNats, until } from '../helpers/nats.js';
import { testConfig } from '../helpers/service.js';
import { tempDir } from '../helpers/videos.js';

/** Every stream shows one face every 50 ms; streams whose id starts with "lost" frown (AU4), "away" look off screen. */
const scripted: StreamFactory = (id, _spec, o) =>
  interval(50).pipe(
    takeUntil(o.stop$),
    map(
      (i): Message => ({
        ...sample(id, 1, i, i * 50, auVec({ AU4: id.startsWith('lost') ? 0.9 : 0.05 })),
        attention: { faces: 1, onScreen: !id.startsWith('away') },
      }),
    ),
  );

describe('rooms API (scripted streams)', () => {
  const tmp = tempDir('aupipe-rooms-');
  let srv: AupipeServer;
  let base: string;
  const published: Message[] = [];

  beforeAll(async () => {
    const config = testConfig(tmp.dir, { rooms: { intervalMs: 200, momentMinMs: 400, momentMinOffMs: 400 } });
    const { hub } = await createSinks(config, undefined, { ws: true });
    const spy = {
      publish: (m: Message) => void published.push(m),
      flush: async () => {},
      close: async () => {},
    };
    srv = createServer({ config, factory: scripted, hub: hub!, publishers: [spy] });
    base = await srv.listen();
  });
  afterAll(async () => {
    await srv.close();
    tmp.cleanup();
  });
  const api = (p: string, init?: RequestInit) =>
    fetch(`${base}${p}`, {
      ...init,
      ...(init?.body ? { headers: { 'content-type': 'application/json' } } : {}),
    });

  it('creates, lists, fills, reads and deletes a room; counts and moments follow its streams', async () => {
    const created = await api('/api/rooms', {
      method: 'POST',
      body: JSON.stringify({ id: 'physics', name: 'Physics 9b' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'physics', name: 'Physics 9b', streams: [] });
    expect(
      (await api('/api/rooms', { method: 'POST', body: JSON.stringify({ id: 'physics' }) })).status,
    ).toBe(409);
    expect((await api('/api/rooms/nope')).status).toBe(404);
    for (const id of ['anna', 'lost-ben', 'lost-cleo', 'dan']) {
      srv.manager.add({ kind: 'file', path: `/${id}.mp4` }, { id });
      expect((await api(`/api/rooms/physics/streams/${id}`, { method: 'PUT' })).status).toBe(200);
    }
    srv.manager.add({ kind: 'file', path: '/elsewhere.mp4' }, { id: 'elsewhere' });
    expect((await api('/api/rooms/physics/streams/ghost', { method: 'PUT' })).status).toBe(404);
    const list = (await (await api('/api/rooms')).json()) as { rooms: { id: string; streams: string[] }[] };
    expect(list.rooms).toEqual([
      expect.objectContaining({ id: 'physics', streams: ['anna', 'dan', 'lost-ben', 'lost-cleo'] }),
    ]);
    // 4 students, half of them confused: a confused moment
    await until(
      () => published.some((m) => m.type === 'room_moment' && m.phase === 'start'),
      10_000,
      'moment',
    );
    const room = (await (await api('/api/rooms/physics')).json()) as {
      aggregate: RoomAggregate;
      streamInfo: unknown[];
    };
    expect(room.aggregate.present).toBe(4);
    expect(room.aggregate.now.confused).toBe(0.5);
    expect(room.streamInfo).toHaveLength(4);
    const moment = published.find((m) => m.type === 'room_moment')!;
    expect(moment).toMatchObject({ roomId: 'physics', kind: 'confused', share: 0.5 });
    expect(published.filter((m) => m.type === 'room').every((m) => m.roomId === 'physics')).toBe(true);
    // detach one: three present
    expect((await api('/api/rooms/physics/streams/dan', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/rooms/physics/streams/dan', { method: 'DELETE' })).status).toBe(404);
    await until(() => srv.rooms.get('physics')?.aggregate?.present === 3, 5_000, 'three present');
    // deleting the room stops its streams, and only those
    const del = await api('/api/rooms/physics', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({
      deleted: 'physics',
      streams: ['anna', 'lost-ben', 'lost-cleo'],
      purged: 0,
    });
    expect(
      srv.manager
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual(['dan', 'elsewhere']);
    expect((await api('/api/rooms/physics')).status).toBe(404);
  }, 30_000);
});

describe('room deletion purges its JetStream messages (real nats-server)', () => {
  let nats: TestNats;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => nats.stop());

  it("purges the room's moments and its streams' events, and nothing else", async () => {
    const cfg = { ...configSchema.parse({}).sink.nats, subjectPrefix: 'rp', stream: 'RP' };
    const pub = new NatsPublisher(cfg, nats.url);
    await pub.whenReady();
    const rooms = new RoomRegistry({
      config: configSchema.parse({}).rooms,
      publisher: pub,
      removeStream: async () => true,
      purge: (s) => pub.purge(s),
      subjectPrefix: 'rp',
      every: () => ({ stop() {} }),
    });
    rooms.create({ id: 'r1' });
    rooms.attach('r1', 'kid');
    const ev = (streamId: string) =>
      ({
        v: 2,
        type: 'attention',
        id: `${streamId}:1:absent:0`,
        phase: 'start',
        streamId,
        trackId: null,
        kind: 'absent',
        value: 1,
        peak: 1,
        startMs: 0,
      }) as const;
    pub.publish(ev('kid'));
    pub.publish(ev('other'));
    pub.publish({
      v: 2,
      type: 'room_moment',
      id: 'r1:confused:1',
      phase: 'start',
      roomId: 'r1',
      kind: 'confused',
      share: 0.5,
      peak: 0.5,
      startMs: 1,
    });
    await pub.flush();
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('RP')).state.messages).toBe(3);
    const res = await rooms.delete('r1');
    expect(res).toMatchObject({ streams: ['kid'], purged: 2 });
    const left = await jsm.streams.getMessage('RP', { last_by_subj: 'rp.other.attention' });
    expect(left!.json()).toMatchObject({ streamId: 'other' });
    expect((await jsm.streams.info('RP')).state.messages).toBe(1);
    await nc.close();
    await pub.close();
  }, 30_000);
});
