/**
 * Lease decisions, pure: who may claim, refresh or must stop analysing a stream. A lease is a KV value
 * `{ owner, epoch, expiresAt }`; `expiresAt` is wall-clock ms written by the owner (its clock, `now + ttl`
 * at the start of the write), compared on read with the reader's injected clock. A released lease has
 * `owner: null`. The epoch is the KV revision of the write that claimed the lease (bucket revisions only
 * grow, even across deletes), so it increases with every new owner of a stream.
 */

export interface Lease {
  readonly owner: string | null;
  /** KV revision of the claiming write; absent in the claiming write itself (it is that write's revision). */
  readonly epoch?: number;
  readonly expiresAt: number;
}

/** A lease as read from the bucket: its value and the revision to update it against. */
export interface LeaseEntry {
  readonly lease: Lease;
  readonly revision: number;
}

/** Epoch of a lease entry: the claim's revision, carried by refreshes. */
export const epochOf = (e: LeaseEntry): number => e.lease.epoch ?? e.revision;

/** Free: no lease, released, or not refreshed within its TTL (`now >= expiresAt`). */
export function isFree(e: LeaseEntry | null, now: number): boolean {
  return e === null || e.lease.owner === null || now >= e.lease.expiresAt;
}

/** Current owner as the reader sees it at `now` (null when free). */
export const ownerAt = (e: LeaseEntry | null, now: number): string | null =>
  e === null || isFree(e, now) ? null : e.lease.owner;

/** `me` may claim when the lease is free and it has room (`owned < capacity`). */
export function shouldClaim(e: LeaseEntry | null, now: number, owned: number, capacity: number): boolean {
  return owned < capacity && isFree(e, now);
}

/** `me` may refresh only its own lease at the revision it last wrote, before that lease expired. */
export function canRefresh(e: LeaseEntry | null, me: string, revision: number, now: number): boolean {
  return e !== null && e.lease.owner === me && e.revision === revision && now < e.lease.expiresAt;
}

/**
 * The owner must stop analysing `marginMs` before the expiry it wrote itself, so that it has stopped by the
 * time another worker may take the stream (clocks of one machine; across machines, add the clock skew).
 */
export const mustStop = (expiresAt: number, now: number, marginMs: number): boolean =>
  now >= expiresAt - marginMs;

/** The value a claim writes (epoch = the revision this write gets). */
export const claimValue = (me: string, now: number, ttlMs: number): Lease => ({
  owner: me,
  expiresAt: now + ttlMs,
});

/** The value a heartbeat writes: same owner and epoch, later expiry. */
export const refreshValue = (me: string, epoch: number, now: number, ttlMs: number): Lease => ({
  owner: me,
  epoch,
  expiresAt: now + ttlMs,
});

/** The value a drain writes: free at once; the epoch stays in the history. */
export const releaseValue = (epoch: number): Lease => ({ owner: null, epoch, expiresAt: 0 });

/**
 * Which free streams to try, in order: a worker takes at most `capacity - owned`, starting at an offset
 * derived from its id so that workers starting together do not all race for the same keys first.
 */
export function pickClaims(free: readonly string[], owned: number, capacity: number, me: string): string[] {
  const room = Math.max(0, capacity - owned);
  if (room === 0 || free.length === 0) return [];
  const sorted = [...free].sort();
  let h = 0;
  for (const c of me) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const start = h % sorted.length;
  return [...sorted.slice(start), ...sorted.slice(0, start)].slice(0, room);
}
