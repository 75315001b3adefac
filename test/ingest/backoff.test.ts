import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/ingest/backoff.js';

const policy = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0 };

describe('backoffDelay', () => {
  it('grows geometrically from initialMs and stops at maxMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelay(a, policy));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('treats attempt numbers below 1 as the first attempt and survives huge attempt numbers', () => {
    expect(backoffDelay(0, policy)).toBe(500);
    expect(backoffDelay(-3, policy)).toBe(500);
    expect(backoffDelay(1e6, policy)).toBe(30_000);
  });

  it('spreads delays by ±jitter around the base', () => {
    const p = { ...policy, jitter: 0.2 };
    expect(backoffDelay(3, p, () => 0)).toBe(1600); // 2000 * 0.8
    expect(backoffDelay(3, p, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, p, () => 0.999999)).toBe(2400); // 2000 * 1.2, rounded
  });

  it('never exceeds maxMs, even with upward jitter at the cap', () => {
    expect(backoffDelay(20, { ...policy, jitter: 0.5 }, () => 0.99)).toBe(30_000);
  });

  it('stays within [base*(1-j), min(max, base*(1+j))] for any policy (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 50, max: 60_000 }),
        fc.integer({ min: 100, max: 600_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, initialMs, maxMs, factor, jitter, r) => {
          const d = backoffDelay(attempt, { initialMs, maxMs, factor, jitter }, () => r);
          const base = Math.min(maxMs, initialMs * factor ** (attempt - 1));
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(maxMs);
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)) - 1);
          expect(d).toBeLessThanOrEqual(Math.ceil(base * (1 + jitter)) + 1);
        },
      ),
    );
  });
});
