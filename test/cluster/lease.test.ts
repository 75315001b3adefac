import { describe, expect, it } from 'vitest';
import {
  canRefresh,
  claimValue,
  epochOf,
  isFree,
  type LeaseEntry,
  mustStop,
  ownerAt,
  pickClaims,
  refreshValue,
  releaseValue,
  shouldClaim,
} from '../../src/cluster/index.js';

const TTL = 6000;
const held = (owner: string, expiresAt: number, revision = 7, epoch?: number): LeaseEntry => ({
  lease: { owner, expiresAt, ...(epoch !== undefined ? { epoch } : {}) },
  revision,
});

describe('lease decisions (virtual time)', () => {
  it('a missing or released lease is free; a held one until its expiry, then free', () => {
    expect(isFree(null, 0)).toBe(true);
    expect(isFree({ lease: releaseValue(3), revision: 9 }, 0)).toBe(true);
    const l = held('w1', 10_000);
    expect(isFree(l, 9_999)).toBe(false);
    expect(ownerAt(l, 9_999)).toBe('w1');
    expect(isFree(l, 10_000)).toBe(true);
    expect(ownerAt(l, 10_000)).toBeNull();
  });

  it('claims respect capacity', () => {
    expect(shouldClaim(null, 0, 1, 2)).toBe(true);
    expect(shouldClaim(null, 0, 2, 2)).toBe(false);
    expect(shouldClaim(held('w2', 5000), 4000, 0, 2)).toBe(false);
    expect(shouldClaim(held('w2', 5000), 5000, 0, 2)).toBe(true);
  });

  it('only the owner refreshes, at the revision it wrote, before expiry', () => {
    const l = held('w1', 10_000, 7);
    expect(canRefresh(l, 'w1', 7, 9000)).toBe(true);
    expect(canRefresh(l, 'w2', 7, 9000)).toBe(false);
    expect(canRefresh(l, 'w1', 6, 9000)).toBe(false);
    expect(canRefresh(l, 'w1', 7, 10_000)).toBe(false);
    expect(canRefresh(null, 'w1', 7, 0)).toBe(false);
  });

  it('the owner stops a margin before the expiry it wrote, so it has stopped when others may claim', () => {
    const claim = claimValue('w1', 1000, TTL);
    expect(claim).toEqual({ owner: 'w1', expiresAt: 7000 });
    expect(mustStop(claim.expiresAt, 5999, 1000)).toBe(false);
    expect(mustStop(claim.expiresAt, 6000, 1000)).toBe(true);
    // the same instant, a reader still sees it held: stop happens before takeover
    expect(isFree({ lease: claim, revision: 1 }, 6000)).toBe(false);
  });

  it('the epoch is the claim revision, carried by refreshes and releases', () => {
    const claimed: LeaseEntry = { lease: claimValue('w1', 0, TTL), revision: 41 };
    expect(epochOf(claimed)).toBe(41);
    const refreshed: LeaseEntry = { lease: refreshValue('w1', 41, 2000, TTL), revision: 44 };
    expect(epochOf(refreshed)).toBe(41);
    expect(refreshed.lease.expiresAt).toBe(8000);
    expect(epochOf({ lease: releaseValue(41), revision: 45 })).toBe(41);
    expect(epochOf(held('w2', 0, 50))).toBe(50); // a new claim after the release: a larger epoch
  });

  it('picks at most the room left, rotated by worker id, deterministic', () => {
    const free = ['s1', 's2', 's3', 's4'];
    expect(pickClaims(free, 3, 3, 'w1')).toEqual([]);
    expect(pickClaims([], 0, 3, 'w1')).toEqual([]);
    const a = pickClaims(free, 1, 3, 'worker-a');
    expect(a).toHaveLength(2);
    expect(pickClaims(free, 1, 3, 'worker-a')).toEqual(a);
    for (const id of a) expect(free).toContain(id);
    const starts = new Set(['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((w) => pickClaims(free, 0, 1, w)[0]));
    expect(starts.size).toBeGreaterThan(1);
  });
});
