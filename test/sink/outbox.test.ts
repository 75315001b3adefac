import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/sink/outbox.js';

describe('Outbox', () => {
  it('returns entries in arrival order across both lanes', () => {
    const o = new Outbox<string>(10);
    o.push('a', 's', false);
    o.push('b', 's', true);
    o.push('c', 's', false);
    expect(o.peek(10).map((e) => e.item)).toEqual(['a', 'b', 'c']);
    o.remove(2);
    expect(o.peek(10).map((e) => e.item)).toEqual(['c']);
  });

  it('drops the oldest bulk entry first on overflow and counts it per stream', () => {
    const o = new Outbox<string>(3);
    o.push('k1', 's1', true);
    o.push('b1', 's1', false);
    o.push('k2', 's2', true);
    expect(o.push('k3', 's2', true)?.item).toBe('b1');
    expect(o.push('k4', 's2', true)?.item).toBe('k1');
    expect(o.peek(10).map((e) => e.item)).toEqual(['k2', 'k3', 'k4']);
    expect(o.dropped).toBe(2);
    expect(o.takeDrops()).toEqual(new Map([['s1', { bulk: 1, keep: 1 }]]));
    expect(o.hasDrops).toBe(false);
  });

  it('never exceeds its bound and keeps the surviving order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        (keeps, max) => {
          const o = new Outbox<number>(max);
          keeps.forEach((k, i) => {
            o.push(i, 's', k);
            expect(o.size).toBeLessThanOrEqual(max);
          });
          const items = o.peek(1000).map((e) => e.item);
          expect(items).toEqual([...items].sort((a, b) => a - b));
          expect(o.dropped + o.size).toBe(keeps.length);
          // Keep entries survive as long as there are bulk ones to sacrifice.
          const keptKeeps = o.peek(1000).filter((e) => e.keep).length;
          expect(keptKeeps).toBe(Math.min(keeps.filter(Boolean).length, max));
        },
      ),
    );
  });
});
