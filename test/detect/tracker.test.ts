import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hungarian } from '../../src/detect/hungarian.js';
import { endAllTracks, initialTrackerState, iou, updateTracks } from '../../src/detect/index.js';
import { thumbDiff, thumbnail } from '../../src/detect/shot.js';
import type { Box } from '../../src/types.js';

const opts = { minIou: 0.3, graceFrames: 2 };
const box = (x: number, y: number, s = 50): Box => ({ x, y, w: s, h: s });

function bruteForce(cost: number[][]): number {
  const n = cost.length;
  const m = cost[0]!.length;
  let best = Number.POSITIVE_INFINITY;
  const used = new Array<boolean>(m).fill(false);
  const rec = (i: number, acc: number, assigned: number) => {
    if (i === n) {
      if (assigned === Math.min(n, m)) best = Math.min(best, acc);
      return;
    }
    if (n > m) rec(i + 1, acc, assigned); // row left unassigned
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + cost[i]![j]!, assigned + 1);
      used[j] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

describe('hungarian', () => {
  it('finds the minimum-cost assignment (vs brute force, rectangular too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 25, maxLength: 25 }),
        (n, m, vals) => {
          const cost = Array.from({ length: n }, (_, i) =>
            Array.from({ length: m }, (_, j) => vals[i * 5 + j]!),
          );
          const a = hungarian(cost);
          const cols = a.filter((j) => j >= 0);
          expect(new Set(cols).size).toBe(cols.length);
          expect(cols.length).toBe(Math.min(n, m));
          const total = a.reduce((s, j, i) => s + (j >= 0 ? cost[i]![j]! : 0), 0);
          expect(total).toBe(bruteForce(cost));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('tracker', () => {
  it('computes IoU', () => {
    expect(iou(box(0, 0), box(0, 0))).toBe(1);
    expect(iou(box(0, 0), box(100, 0))).toBe(0);
    expect(iou(box(0, 0, 10), box(5, 0, 10))).toBeCloseTo(50 / 150, 9);
  });

  it('keeps ids while faces move, even when they swap order in the detector output', () => {
    let u = updateTracks(initialTrackerState, [box(0, 0), box(200, 0)], 0, opts);
    expect(u.ids).toEqual([1, 2]);
    expect(u.started).toEqual([1, 2]);
    u = updateTracks(u.state, [box(205, 3), box(6, 2)], 33, opts);
    expect(u.ids).toEqual([2, 1]);
    expect(u.started).toEqual([]);
    expect(u.ended).toEqual([]);
  });

  it('prefers the assignment with the larger overlap', () => {
    let u = updateTracks(initialTrackerState, [box(0, 0), box(40, 0)], 0, opts);
    u = updateTracks(u.state, [box(38, 0)], 33, opts);
    expect(u.ids).toEqual([2]);
  });

  it('gives a track grace frames, then ends it with its last-seen time', () => {
    let u = updateTracks(initialTrackerState, [box(0, 0)], 0, opts);
    u = updateTracks(u.state, [], 33, opts);
    u = updateTracks(u.state, [], 66, opts);
    expect(u.ended).toEqual([]);
    const back = updateTracks(u.state, [box(2, 2)], 100, opts);
    expect(back.ids).toEqual([1]);
    u = updateTracks(u.state, [], 100, opts);
    expect(u.ended).toEqual([{ id: 1, lastPtsMs: 0 }]);
    expect(u.state.tracks).toEqual([]);
  });

  it('gives a new person a new id, never reusing old ones', () => {
    let u = updateTracks(initialTrackerState, [box(0, 0)], 0, opts);
    u = updateTracks(u.state, [box(0, 0), box(300, 300)], 33, opts);
    expect(u.ids).toEqual([1, 2]);
    expect(u.started).toEqual([2]);
    const cut = endAllTracks(u.state);
    expect(cut.ended.map((e) => e.id)).toEqual([1, 2]);
    u = updateTracks(cut.state, [box(0, 0)], 66, opts);
    expect(u.ids).toEqual([3]);
  });
});

describe('cut detection thumbnails', () => {
  const make = (f: (x: number, y: number) => number) => {
    const rgb = new Uint8Array(64 * 48 * 3);
    for (let y = 0; y < 48; y++)
      for (let x = 0; x < 64; x++) rgb.fill(f(x, y), (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
    return { width: 64, height: 48, rgb };
  };
  it('tells a small shift from a different picture', () => {
    const a = thumbnail(make((x, y) => (x * 4 + y * 2) % 256));
    const shifted = thumbnail(make((x, y) => ((x + 1) * 4 + y * 2) % 256));
    const other = thumbnail(make((x, y) => 255 - ((x * 4 + y * 2) % 256)));
    expect(thumbDiff(a, a)).toBe(0);
    expect(thumbDiff(a, shifted)).toBeLessThan(15);
    expect(thumbDiff(a, other)).toBeGreaterThan(60);
  });
});
