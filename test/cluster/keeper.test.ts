/** The lease loop in virtual time (vitest fake timers and clock) over an in-memory, revision-checked store. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type Lease,
  type LeaseEntry,
  LeaseKeeper,
  type LeaseStore,
  type StopReason,
} from '../../src/cluster/index.js';

class MemStore implements LeaseStore {
  rev = 0;
  down = false;
  /** Writes land but their acks are lost (the caller sees an error), as in a leader election. */
  lostAcks = false;
  /** Scans (specs) answer only after this long (a bucket read during an election). */
  scanDelayMs = 0;
  readonly map = new Map<string, LeaseEntry>();
  specIds = ['a', 'b', 'c'];
  private check() {
    if (this.down) return Promise.reject(new Error('disconnected'));
    return Promise.resolve();
  }
  async specs() {
    await this.check();
    if (this.scanDelayMs) await new Promise((r) => setTimeout(r, this.scanDelayMs));
    return this.specIds.map((id) => ({ id, source: 'x' }));
  }
  async leases() {
    await this.check();
    return new Map(this.map);
  }
  async lease(id: string) {
    await this.check();
    return this.map.get(id) ?? null;
  }
  async writeLease(id: string, value: Lease, prev: LeaseEntry | null) {
    await this.check();
    const cur = this.map.get(id) ?? null;
    if ((prev === null) !== (cur === null) || (prev && cur && prev.revision !== cur.revision)) return null;
    const revision = ++this.rev;
    this.map.set(id, { lease: value, revision });
    if (this.lostAcks) throw new Error('TimeoutError: timeout');
    return revision;
  }
  async releaseLease(id: string, epoch: number, revision: number) {
    const cur = this.map.get(id);
    if (!cur || cur.revision !== revision) return false;
    this.map.set(id, { lease: { owner: null, epoch, expiresAt: 0 }, revision: ++this.rev });
    return true;
  }
  async deleteLease(id: string) {
    this.map.delete(id);
  }
}

const TTL = 4000;
let events: [string, string, StopReason | 'start', number][];
const hooks = (me: string) => ({
  start: (spec: { id: string }, epoch: number) => void events.push([me, spec.id, 'start', epoch]),
  stop: (id: string, why: StopReason) => void events.push([me, id, why, Date.now()]),
});
const keeper = (store: LeaseStore, me: string, capacity = 2) =>
  new LeaseKeeper(store, { me, capacity, ttlMs: TTL, heartbeatMs: 1000, stopMarginMs: 1000 }, hooks(me));

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  events = [];
});
afterEach(() => vi.useRealTimers());

describe('LeaseKeeper (virtual time)', () => {
  it('claims up to capacity, epochs are claim revisions, refreshes keep the epoch', async () => {
    const store = new MemStore();
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(k.owned().size).toBe(2);
    const epochs = [...k.owned().values()];
    await vi.advanceTimersByTimeAsync(10_000);
    expect([...k.owned().values()]).toEqual(epochs); // refreshed ten times, same epochs
    for (const id of k.owned().keys()) expect(store.map.get(id)!.lease.expiresAt).toBeGreaterThan(Date.now());
    // a second worker takes only what is free: the third stream, not w1's live leases
    const k2 = keeper(store, 'w2', 3);
    k2.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect([...k2.owned().keys()]).toEqual(['abc'.split('').find((id) => !k.owned().has(id))]);
    k.close();
    k2.close();
  });

  it('broker unreachable: the owner stops each stream a margin before the expiry it wrote, before anyone may claim', async () => {
    const store = new MemStore();
    const k = keeper(store, 'w1', 3);
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    const expiry = Math.max(...[...store.map.values()].map((e) => e.lease.expiresAt));
    store.down = true;
    await vi.advanceTimersByTimeAsync(6000);
    const stops = events.filter((e) => e[2] === 'lost');
    expect(stops).toHaveLength(3);
    for (const s of stops) {
      expect(s[3]).toBeLessThan(expiry); // stopped before the lease is free for others
      expect(s[3]).toBeGreaterThanOrEqual(expiry - 1000 - 1000); // not earlier than needed (≤ one refresh late)
    }
    // another worker claims only once the leases expired: no overlap
    store.down = false;
    const k2 = keeper(store, 'w2', 3);
    k2.start();
    await vi.advanceTimersByTimeAsync(10);
    const starts = events.filter((e) => e[0] === 'w2' && e[2] === 'start');
    expect(starts.length).toBeGreaterThan(0);
    // (w2 could claim only now: the leases w1 wrote had expired)
    expect(Date.now()).toBeGreaterThanOrEqual(expiry);
    k.close();
    k2.close();
  });

  it('a lease taken by another writer is lost at the next refresh', async () => {
    const store = new MemStore();
    store.specIds = ['a'];
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    store.map.set('a', { lease: { owner: 'intruder', expiresAt: Date.now() + TTL }, revision: ++store.rev });
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.some(([me, id, why]) => me === 'w1' && id === 'a' && why === 'lost')).toBe(true);
    expect(k.owned().size).toBe(0);
    k.close();
  });

  it('a scan that takes longer than the TTL does not delay refreshes: no stream is lost', async () => {
    const store = new MemStore();
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    const epochs = [...k.owned()];
    store.scanDelayMs = 3 * TTL;
    await vi.advanceTimersByTimeAsync(5 * TTL);
    expect(events.filter((e) => e[2] === 'lost')).toEqual([]);
    expect([...k.owned()]).toEqual(epochs);
    k.close();
  });

  it('a refresh that landed with its ack lost is adopted on the next conflict, under the same epoch', async () => {
    const store = new MemStore();
    store.specIds = ['a'];
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    const epoch = k.owned().get('a');
    store.lostAcks = true;
    await vi.advanceTimersByTimeAsync(1000); // this refresh lands, the keeper sees an error
    store.lostAcks = false;
    await vi.advanceTimersByTimeAsync(1000); // conflict at the stale revision: the lease is still ours
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.filter((e) => e[2] === 'lost')).toEqual([]);
    expect(k.owned().get('a')).toBe(epoch);
    expect(store.map.get('a')!.lease.expiresAt).toBeGreaterThan(Date.now() + TTL - 1500);
    k.close();
  });

  it('a claim that landed with its ack lost is claimed again at the next scan, with a new epoch, not after the TTL', async () => {
    const store = new MemStore();
    store.specIds = ['a'];
    store.lostAcks = true;
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(k.owned().size).toBe(0); // the keeper saw an error
    const first = store.map.get('a')!;
    expect(first.lease.owner).toBe('w1');
    store.lostAcks = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(k.owned().get('a')).toBeGreaterThan(first.revision); // a new epoch, long before the expiry
    expect(Date.now()).toBeLessThan(first.lease.expiresAt);
    k.close();
  });

  it('a stream the watchdog stopped is claimed again under a new epoch once the broker answers', async () => {
    const store = new MemStore();
    store.specIds = ['a'];
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    const epoch = k.owned().get('a')!;
    store.down = true;
    await vi.advanceTimersByTimeAsync(TTL - 800); // the watchdog stops it a margin before the expiry
    expect(events.filter((e) => e[2] === 'lost')).toHaveLength(1);
    const { expiresAt } = store.map.get('a')!.lease;
    store.down = false;
    await k.tick();
    expect(k.owned().get('a')).toBeGreaterThan(epoch);
    expect(Date.now()).toBeLessThan(expiresAt); // its own lease: no need to wait for it to lapse
    k.close();
  });

  it('drain stops every stream with reason drain and releases the leases', async () => {
    const store = new MemStore();
    const k = keeper(store, 'w1');
    k.start();
    await vi.advanceTimersByTimeAsync(10);
    await k.drain();
    expect(events.filter((e) => e[2] === 'drain')).toHaveLength(2);
    for (const e of store.map.values()) expect(e.lease.owner).toBeNull();
  });
});
