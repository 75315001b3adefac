import { describe, expect, it } from 'vitest';
import { trackComponents } from '../../src/emotion/engagement.js';
import { EmotionEngine, engagementScore, loadRules } from '../../src/emotion/index.js';
import type { Engagement, FrameAus } from '../../src/types.js';
import { auVec, emotionCfg, frame, frames, SMILE } from './helpers.js';

const rules = loadRules('config/emotions.yaml');
const W = { presence: 0.6, expressiveness: 0.4, confusion: 0.3, boredom: 0.3 };
const engagements = (input: readonly FrameAus[], over = {}) => {
  const eng = new EmotionEngine(emotionCfg({ publishSamples: false, ...over }), rules);
  return input.flatMap((f) => eng.onFrame(f)).filter((m): m is Engagement => m.type === 'engagement');
};

describe('engagement formula', () => {
  it('is the weighted positive mean minus the weighted negatives, clamped to [0, 1]', () => {
    const c = { presence: 1, expressiveness: 0.5, confusion: 0.2, boredom: 0.1 };
    expect(engagementScore(c, W)).toBeCloseTo((0.6 + 0.2) / 1 - 0.06 - 0.03, 12);
    expect(engagementScore({ ...c, confusion: 1, boredom: 1 }, { ...W, confusion: 0.5, boredom: 0.5 })).toBe(
      0,
    );
    expect(engagementScore(c, { ...W, presence: 0, expressiveness: 0 })).toBe(0);
  });

  it('expressiveness is the mean AU standard deviation over the scale; presence is face time over the window', () => {
    const entries = [0, 0.2, 0, 0.2].map((p, i) => ({
      tMs: i * 100,
      dtMs: 100,
      au: Float64Array.from([p, 0.5, Number.NaN]),
      confused: i >= 2,
      bored: false,
    }));
    const c = trackComponents(entries, 800, 0.15);
    expect(c.presence).toBeCloseTo(0.5, 12);
    expect(c.expressiveness).toBeCloseTo((0.1 + 0) / 2 / 0.15, 12);
    expect(c.confusion).toBeCloseTo(0.5, 12);
    expect(c.faceMs).toBe(400);
  });
});

describe('engagement messages', () => {
  it('are published per track and per stream every engagementIntervalMs over the window', () => {
    const out = engagements(
      frames(0, 12_000, 10, () => auVec()),
      { engagementIntervalMs: 5000 },
    );
    expect(out.map((e) => [e.trackId, e.ptsMs])).toEqual([
      [1, 5000],
      [null, 5000],
      [1, 10_000],
      [null, 10_000],
    ]);
    // a steady neutral face in every frame: fully present, not expressive
    const t = out[2]!;
    expect(t.windowMs).toBe(10_000);
    expect(t.components.presence).toBeGreaterThan(0.98);
    expect(t.components.expressiveness).toBe(0);
    expect(t.score).toBeCloseTo(0.6 * t.components.presence!, 3);
    expect(out[3]!.components).toMatchObject({ tracks: 1 });
  });

  it('a face present half the time halves stream presence; sustained AU4 raises confusion and lowers the score', () => {
    const half = engagements(
      frames(0, 10_001, 10, (t) => (t % 2000 < 1000 ? auVec() : null)),
      {
        engagementIntervalMs: 10_000,
        gapGraceMs: 100,
      },
    );
    const stream = half.find((e) => e.trackId === null)!;
    expect(stream.components.presence).toBeGreaterThan(0.4);
    expect(stream.components.presence).toBeLessThan(0.6);

    const calm = engagements(
      frames(0, 10_001, 10, () => auVec()),
      { engagementIntervalMs: 10_000 },
    );
    const frown = engagements(
      frames(0, 10_001, 10, () => auVec({ AU4: 0.9 })),
      { engagementIntervalMs: 10_000 },
    );
    const [c, f] = [calm[0]!, frown[0]!];
    expect(f.components.confusion).toBeGreaterThan(0.7); // all but the first sustainMs
    expect(c.components.confusion).toBe(0);
    expect(f.score).toBeLessThan(c.score);
  });

  it('tracks that ended inside the window still count for the stream; flush publishes a last engagement', () => {
    const input = frames(0, 3000, 10, () => auVec({ AU12: 0.5 }), 1);
    const last = input.at(-1)!.ptsMs;
    input.push(
      frame(
        900,
        last + 100,
        [],
        [{ v: 2, type: 'track', phase: 'end', streamId: 's1', trackId: 1, ptsMs: last }],
      ),
    );
    input.push(...frames(3200, 5001, 10, (t) => auVec({ AU12: t % 400 < 200 ? 0.1 : 0.9 }), 2));
    const eng = new EmotionEngine(emotionCfg({ publishSamples: false, engagementIntervalMs: 5000 }), rules);
    const out = input.flatMap((f) => eng.onFrame(f));
    const at5 = out.filter((m): m is Engagement => m.type === 'engagement');
    expect(at5.map((e) => e.trackId)).toEqual([2, null]); // no per-track message for the ended track
    expect(at5[1]!.components.tracks).toBe(2);
    expect(at5[1]!.components.presence).toBeGreaterThan(0.9);
    const more = frames(5100, 6001, 10, () => auVec(), 2);
    const tail = [...more.flatMap((f) => eng.onFrame(f)), ...eng.flush()];
    const final = tail.filter((m): m is Engagement => m.type === 'engagement');
    expect(final.map((e) => [e.trackId, e.ptsMs])).toEqual([
      [2, more.at(-1)!.ptsMs],
      [null, more.at(-1)!.ptsMs],
    ]);
  });

  it('a yawn-like jaw drop counts as boredom, a laugh does not', () => {
    const cfg = { engagementIntervalMs: 10_000 };
    const yawn = engagements(
      frames(0, 10_001, 10, () => auVec({ AU26: 0.9, AU25: 0.9 })),
      cfg,
    )[0]!;
    const laugh = engagements(
      frames(0, 10_001, 10, () => auVec({ AU26: 0.9, AU25: 0.9, ...SMILE })),
      cfg,
    )[0]!;
    expect(yawn.components.boredom).toBeGreaterThan(0.7);
    expect(laugh.components.boredom).toBe(0);
    expect(laugh.score).toBeGreaterThan(yawn.score);
  });

  it('a track is judged from when it appeared; a brand-new track gets no message yet', () => {
    const input = frames(0, 10_001, 10, () => auVec(), 1).map((f) =>
      f.ptsMs >= 8000
        ? frame(f.seq, f.ptsMs, [
            { trackId: 1, au: auVec() },
            { trackId: 2, au: auVec() },
          ])
        : f,
    );
    input[input.length - 1] = frame(999, 10_000, [
      { trackId: 1, au: auVec() },
      { trackId: 2, au: auVec() },
      { trackId: 3, au: auVec() },
    ]);
    const out = engagements(input, { engagementIntervalMs: 10_000 });
    expect(out.map((e) => e.trackId)).toEqual([1, 2, null]);
    expect(out[1]!.windowMs).toBe(2000);
    expect(out[1]!.components.presence).toBeGreaterThan(0.9);
  });

  it('the stream aggregate weights tracks by face time', () => {
    const input = frames(0, 5001, 10, () => auVec()).map((f, i) =>
      frame(i, f.ptsMs, [
        { trackId: 1, au: auVec() },
        { trackId: 2, au: auVec({ AU4: 0.9 }) },
      ]),
    );
    const out = engagements(input, { engagementIntervalMs: 5000, engagementSustainMs: 0, minDurationMs: 0 });
    const [t1, t2, s] = out;
    expect(t1!.trackId).toBe(1);
    expect(t2!.components.confusion).toBeGreaterThan(0.9);
    expect(s!.components.confusion).toBeCloseTo(
      (t1!.components.confusion! + t2!.components.confusion!) / 2,
      3,
    );
    expect(s!.components.tracks).toBe(2);
  });
});
