import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { meanSpread, RoomAggregator } from '../../src/rooms/index.js';
import type { Message, RoomAggregate, RoomMoment } from '../../src/types.js';
import { auVec, sample } from '../emotion/helpers.js';
import { validateMessage } from '../schemas/validate.js';

const opts = configSchema.parse({}).rooms;
const T0 = 1_764_000_000_000; // room time: the wall clock

/** A scripted class: students (stream, track) with AU4 and on-screen as functions of room time (s). */
type Script = {
  streamId: string;
  trackId: number;
  au4: (s: number) => number;
  onScreen: (s: number) => boolean;
  from?: number;
  to?: number;
};

function play(script: readonly Script[], seconds: number, agg = new RoomAggregator('r1', opts)): Message[] {
  const out: Message[] = [];
  for (let ms = 0; ms <= seconds * 1000; ms += 100) {
    const s = ms / 1000;
    for (const st of script) {
      if (s < (st.from ?? 0) || s >= (st.to ?? Infinity)) continue;
      const smp = sample(st.streamId, st.trackId, ms / 100, ms, auVec({ AU4: st.au4(s) }));
      agg.observe({ ...smp, attention: { faces: 1, onScreen: st.onScreen(s) } }, T0 + ms);
      if (ms % 5000 === 0 && ms > 0)
        agg.observe(
          {
            v: 2,
            type: 'engagement',
            streamId: st.streamId,
            trackId: st.trackId,
            ptsMs: ms,
            windowMs: 5000,
            score: st.trackId === 1 ? 0.8 : 0.4,
            components: {},
          },
          T0 + ms,
        );
    }
    if (ms % opts.intervalMs === 0) out.push(...agg.tick(T0 + ms));
  }
  for (const m of out) expect(validateMessage(m)).toEqual([]);
  return out;
}
const aggregates = (m: Message[]) => m.filter((x): x is RoomAggregate => x.type === 'room');
const moments = (m: Message[], kind?: string) =>
  m.filter((x): x is RoomMoment => x.type === 'room_moment' && (!kind || x.kind === kind));

const calm = () => 0.05;
const looking = () => true;

describe('room aggregates and moments (virtual time)', () => {
  it('counts present students across streams, with attentive/confused shares and engagement mean and spread', () => {
    const out = play(
      [
        { streamId: 'a', trackId: 1, au4: calm, onScreen: looking },
        { streamId: 'a', trackId: 2, au4: calm, onScreen: (s) => s < 8 || s >= 11 },
        { streamId: 'b', trackId: 1, au4: calm, onScreen: looking, to: 12 },
        { streamId: 'c', trackId: 2, au4: calm, onScreen: looking },
      ],
      20,
    );
    const at = (s: number) => aggregates(out).find((a) => a.atMs === T0 + s * 1000)!;
    expect(at(5).present).toBe(4);
    expect(at(5).attentive).toBe(1);
    expect(at(10).now.attentive).toBe(0.75); // a/2 looks away 8-11 s
    expect(at(10).now.offScreen).toBe(0.25);
    expect(at(15).present).toBe(3); // b/1 left at 12 s, gone after presentMs
    expect(at(15).students.map((s) => `${s.streamId}/${s.trackId}`)).toEqual(['a/1', 'a/2', 'c/2']);
    // engagement 0.8 (tracks 1) and 0.4 (tracks 2): mean and population spread of the present ones
    expect(at(10).engagementMean).toBeCloseTo(0.6, 4);
    expect(at(10).engagementSpread).toBeCloseTo(0.2, 4);
    expect(at(15).engagementMean).toBeCloseTo((0.8 + 0.4 + 0.4) / 3, 4);
    // one student in four off screen (25%) is under the 30% moment share
    expect(moments(out)).toEqual([]);
  });

  it('a confused moment starts when 30% of present students are confused at once and ends when they are not', () => {
    const frown = (s: number) => (s >= 10 && s < 20 ? 0.9 : 0.05);
    const out = play(
      [
        { streamId: 'a', trackId: 1, au4: frown, onScreen: looking },
        { streamId: 'b', trackId: 1, au4: calm, onScreen: looking },
        { streamId: 'c', trackId: 1, au4: frown, onScreen: looking },
        { streamId: 'd', trackId: 1, au4: calm, onScreen: looking },
      ],
      40,
    );
    const m = moments(out, 'confused');
    expect(m.map((x) => x.phase)).toEqual(['start', 'end']);
    // AU4 smoothed over 1.5 s crosses 0.5 1.2 s after the frown: the 12 s tick (confirmed 3 s later)
    expect(m[0]!.startMs).toBe(T0 + 12_000);
    expect(m[0]!.share).toBe(0.5);
    expect(m[1]!.endMs).toBeGreaterThanOrEqual(T0 + 20_000);
    expect(m[1]!.endMs).toBeLessThanOrEqual(T0 + 22_000);
    // 'at 12 s half the class looked lost'
    expect(m[0]!.id).toBe(m[1]!.id);
    expect(moments(out, 'off_screen')).toEqual([]);
    // the window share rises while the moment lasts
    const at = (s: number) => aggregates(out).find((a) => a.atMs === T0 + s * 1000)!;
    expect(at(19).confused).toBeGreaterThan(0.3);
    expect(at(9).confused).toBe(0);
  });

  it('an off-screen moment needs its share held for momentMinMs; a short glance by half the class is no moment', () => {
    const glance = (s: number) => !(s >= 5 && s < 7); // 2 s
    const away = (s: number) => !(s >= 15 && s < 25); // 10 s
    const out = play(
      [
        { streamId: 'a', trackId: 1, au4: calm, onScreen: (s) => glance(s) && away(s) },
        { streamId: 'b', trackId: 1, au4: calm, onScreen: glance },
        { streamId: 'c', trackId: 1, au4: calm, onScreen: away },
      ],
      35,
    );
    const m = moments(out, 'off_screen');
    expect(m.map((x) => [x.phase, x.startMs - T0, x.endMs === undefined ? undefined : x.endMs - T0])).toEqual(
      [
        ['start', 15_000, undefined],
        ['end', 15_000, 25_000],
      ],
    );
    expect(m[0]!.share).toBeCloseTo(2 / 3, 4);
  });

  it('one student alone makes no moment (momentMinStudents), and meanSpread of nothing is zero', () => {
    const out = play([{ streamId: 'a', trackId: 1, au4: () => 0.9, onScreen: () => false }], 20);
    expect(moments(out)).toEqual([]);
    expect(aggregates(out).at(-1)!.now).toEqual({ attentive: 0, confused: 1, offScreen: 1 });
    expect(meanSpread([])).toEqual({ mean: 0, spread: 0 });
  });
});
