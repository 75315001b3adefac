import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterStore,
  claimValue,
  epochOf,
  isFree,
  LeaseKeeper,
  refreshValue,
  type StopReason,
} from '../../src/cluster/index.js';
import { startTestNats, type TestNats, until } from '../helpers/nats.js';

let nats: TestNats;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startTestNats();
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('ClusterStore on a real nats-server', () => {
  it('revision-checked claims: of two racing writers exactly one wins; a stale refresh fails', async () => {
    const store = await ClusterStore.open(nc, { replicas: 1, prefix: 't1' });
    const results = await Promise.all([
      store.writeLease('s1', claimValue('w1', 0, 5000), null),
      store.writeLease('s1', claimValue('w2', 0, 5000), null),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const entry = (await store.lease('s1'))!;
    const winner = entry.lease.owner!;
    expect(epochOf(entry)).toBe(results.find((r) => r !== null));
    // a refresh against the current revision works, against the old one it is refused
    const rev = await store.writeLease('s1', refreshValue(winner, epochOf(entry), 1000, 5000), entry);
    expect(rev).toBeGreaterThan(entry.revision);
    expect(await store.writeLease('s1', refreshValue(winner, epochOf(entry), 2000, 5000), entry)).toBeNull();
    expect(await store.releaseLease('s1', epochOf(entry), rev!)).toBe(true);
    expect(isFree(await store.lease('s1'), 0)).toBe(true);
  });

  it('keepers share streams within capacity, and take over a lease that lapses', async () => {
    const store = await ClusterStore.open(nc, { replicas: 1, prefix: 't2' });
    for (const id of ['a', 'b', 'c', 'd']) await store.putSpec({ id, source: '/dev/null' });
    const running = new Map<string, string>();
    const stops: [string, StopReason][] = [];
    const keeper = (me: string) =>
      new LeaseKeeper(
        store,
        { me, capacity: 2, ttlMs: 1500, heartbeatMs: 300, stopMarginMs: 300 },
        {
          start: (spec) => {
            expect(running.has(spec.id)).toBe(false);
            running.set(spec.id, me);
          },
          stop: (id, why) => {
            stops.push([id, why]);
            running.delete(id);
          },
        },
      );
    const k1 = keeper('k1');
    const k2 = keeper('k2');
    k1.start();
    k2.start();
    await until(() => running.size === 4, 5000, 'all four streams owned');
    expect(k1.owned().size).toBe(2);
    expect(k2.owned().size).toBe(2);
    // k1 "dies": its timers stop, its leases lapse; k3 takes its two streams after the TTL
    const t0 = Date.now();
    const lost = [...k1.owned().keys()];
    k1.close();
    for (const id of lost) running.delete(id);
    const k3 = keeper('k3');
    k3.start();
    await until(() => lost.every((id) => running.get(id) === 'k3'), 5000, 'takeover');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    // a deleted spec stops its stream
    const gone = [...k3.owned().keys()][0]!;
    await store.deleteSpec(gone);
    await until(() => stops.some(([id, why]) => id === gone && why === 'deleted'), 3000, 'deleted');
    await k2.drain();
    await k3.drain();
    const leases = await store.leases();
    for (const l of leases.values()) expect(isFree(l, Date.now())).toBe(true);
  });

  it('lists specs and leases from the stream index: none at first, dotted keys whole, deleted ones gone', async () => {
    const store = await ClusterStore.open(nc, { replicas: 1, prefix: 't4' });
    expect(await store.specs()).toEqual([]);
    expect((await store.leases()).size).toBe(0);
    for (const id of ['cam-1', 'room.b.cam_2', 'x']) await store.putSpec({ id, source: '/dev/null' });
    await store.deleteSpec('x');
    expect((await store.specs()).map((s) => s.id).sort()).toEqual(['cam-1', 'room.b.cam_2']);
    await store.writeLease('room.b.cam_2', claimValue('w1', 0, 5000), null);
    expect([...(await store.leases()).keys()]).toEqual(['room.b.cam_2']);
  });

  it("open-event records are revision-checked: an older owner's late write cannot overwrite the next owner's", async () => {
    const store = await ClusterStore.open(nc, { replicas: 1, prefix: 't3' });
    expect(await store.openEntry('s')).toEqual({ open: null, revision: 0 });
    const r1 = await store.writeOpen('s', { epoch: 1, lastMs: 0, events: [] }, 0);
    expect(r1).toBeGreaterThan(0);
    expect(await store.writeOpen('s', { epoch: 1, lastMs: 0, events: [] }, 0)).toBeNull();
    // the next owner (epoch 5) takes the record over at the revision it read
    const { open, revision } = await store.openEntry('s');
    expect(open?.epoch).toBe(1);
    const r2 = await store.writeOpen('s', { epoch: 5, lastMs: 0, events: [] }, revision);
    expect(r2).toBeGreaterThan(r1!);
    // the old owner's delayed write at its own revision fails; the new owner's record stays
    expect(await store.writeOpen('s', { epoch: 1, lastMs: 9, events: [] }, r1!)).toBeNull();
    expect((await store.open('s'))?.epoch).toBe(5);
  });
});
