/** The opt-in stage timer: off by default, sums spans per stage, and the breakdown's per-frame and per-face rows. */
import { afterEach, describe, expect, it } from 'vitest';
import { breakdown, StageTimes, setStageTimer, stageTimer, timedAsync } from '../../src/stage-timer.js';

afterEach(() => {
  setStageTimer(undefined);
});

describe('stage timer', () => {
  it('is off by default: timedAsync just runs the step', async () => {
    expect(stageTimer()).toBeUndefined();
    await expect(timedAsync('x', 1, async () => 42)).resolves.toBe(42);
  });

  it('sums calls, time and faces per stage once installed, and restores the previous timer', async () => {
    const times = new StageTimes();
    expect(setStageTimer(times)).toBeUndefined();
    times.add('a', 2, 1);
    times.add('a', 3, 2);
    times.add('b', 1);
    await timedAsync('c', 4, async () => undefined);
    await expect(timedAsync('d', 1, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const s = times.snapshot();
    expect(s.a).toEqual({ calls: 2, ms: 5, faces: 3 });
    expect(s.b).toEqual({ calls: 1, ms: 1, faces: 0 });
    expect(s.c?.faces).toBe(4);
    expect(s.c?.ms).toBeGreaterThanOrEqual(0);
    expect(s.d?.calls).toBe(1); // a failed step is still timed
    expect(setStageTimer(undefined)).toBe(times);
    times.reset();
    expect(times.snapshot()).toEqual({});
  });

  it('breakdown: per frame and per face, nested spans less what they contain, missing stages as 0', () => {
    const totals = {
      outer: { calls: 10, ms: 100, faces: 20 },
      inner: { calls: 10, ms: 30, faces: 20 },
    };
    const rows = breakdown(
      totals,
      [
        { stage: 'inner', where: 'off' },
        { stage: 'outer only', where: 'main', from: 'outer', minus: ['inner', 'never'] },
        { stage: 'never', where: 'main' },
      ],
      10,
      20,
    );
    expect(rows).toEqual([
      { stage: 'inner', where: 'off', calls: 10, msPerFrame: 3, msPerFace: 1.5 },
      { stage: 'outer only', where: 'main', calls: 10, msPerFrame: 7, msPerFace: 3.5 },
      { stage: 'never', where: 'main', calls: 0, msPerFrame: 0, msPerFace: 0 },
    ]);
    expect(breakdown(totals, [{ stage: 'inner', where: 'off' }], 0, 0)[0]?.msPerFrame).toBeNaN();
  });
});
