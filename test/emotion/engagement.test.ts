import { describe, expect, it } from 'vitest';
import { boredomOf, trackComponents } from '../../src/emotion/engagement.js';
import { EmotionEngine, engagementScore, loadRules } from '../../src/emotion/index.js';
import type { AttentionReading, Engagement, FrameAus } from '../../src/types.js';
import { auVec, emotionCfg, frame, frames, SMILE } from './helpers.js';

const rules = loadRules('config/emotions.yaml');
const W = {
  presence: 0.4,
  onScreen: 0.8,
  eyesOpen: 0.4,
  expressiveness: 0.2,
  interest: 0.2,
  confusion: 0.3,
  boredom: 0.3,
};
const engagements = (input: readonly FrameAus[], over = {}) => {
  const eng = new EmotionEngine(emotionCfg({ publishSamples: false, ...over }), rules);
  return input.flatMap((f) => eng.onFrame(f)).filter((m): m is Engagement => m.type === 'engagement');
};

describe('engagement formula', () => {
  const c = { presence: 1, expressiveness: 0.5, interest: 0.25, confusion: 0.2, yawning: 0, boredom: 0.1 };
  it('is the weighted mean of the measured positive parts minus the weighted negatives, clamped to [0, 1]', () => {
    // without attention readings: presence, expressiveness, interest only
    expect(engagementScore(c, W)).toBeCloseTo((0.4 + 0.1 + 0.05) / 0.8 - 0.06 - 0.03, 12);
    // with them: on-screen and eyes-open shares count times presence
    const full = { ...c, presence: 0.5, onScreen: 0.5, eyesOpen: 1 };
    expect(engagementScore(full, W)).toBeCloseTo(
      (0.4 * 0.5 + 0.8 * 0.25 + 0.4 * 0.5 + 0.1 + 0.05) / 2 - 0.06 - 0.03,
      12,
    );
    expect(engagementScore({ ...c, confusion: 1, boredom: 1 }, { ...W, confusion: 0.5, boredom: 0.5 })).toBe(
      0,
    );
    expect(
      engagementScore(c, { ...W, presence: 0, expressiveness: 0, interest: 0, onScreen: 0, eyesOpen: 0 }),
    ).toBe(0);
  });

  it('boredom is yawning, or a still face looking away', () => {
    expect(boredomOf(0.4, 0.9, 1)).toBe(0.4);
    expect(boredomOf(0, 0, 0)).toBe(1);
    expect(boredomOf(0, 0.2, 0.5)).toBeCloseTo(0.4, 12);
    expect(boredomOf(0.1, 0, undefined)).toBe(0.1); // not measured: no off-screen part
  });

  it('parts from the window: expressiveness, presence, confusion, interest, on-screen and eyes-open shares', () => {
    const entries = [0, 0.2, 0, 0.2].map((p, i) => ({
      tMs: i * 100,
      dtMs: 100,
      au: Float64Array.from([p, 0.5, Number.NaN]),
      confused: i >= 2,
      yawning: false,
      interest: i < 2 ? 0.6 : 0.2,
      ...(i < 3 ? { onScreen: i !== 0 } : {}),
      eyesOpen: true,
    }));
    const t = trackComponents(entries, 800, 0.15);
    expect(t.presence).toBeCloseTo(0.5, 12);
    expect(t.expressiveness).toBeCloseTo((0.1 + 0) / 2 / 0.15, 12);
    expect(t.confusion).toBeCloseTo(0.5, 12);
    expect(t.interest).toBeCloseTo(0.4, 12);
    expect(t.onScreen).toBeCloseTo(2 / 3, 12); // of the 3 frames that measured it
    expect(t.eyesOpen).toBe(1);
    expect(t.faceMs).toBe(400);
    const none = trackComponents(
      entries.map(({ onScreen: _o, eyesOpen: _e, ...e }) => e),
      800,
      0.15,
    );
    expect(none.onScreen).toBeUndefined();
    expect(none.eyesOpen).toBeUndefined();
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
    // interest = (AU1 + AU2) / 2 = 0.05; no attention readings: no on-screen or eyes-open parts
    expect(t.components.interest).toBeCloseTo(0.05, 3);
    expect(t.components.onScreen).toBeUndefined();
    expect(t.score).toBeCloseTo((0.4 * t.components.presence! + 0.2 * 0.05) / 0.8, 3);
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
    expect(yawn.components.yawning).toBeGreaterThan(0.7);
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

  it('attention readings feed the on-screen, eyes-open and yawning parts; looking away lowers the score', () => {
    const withAttention = (f: FrameAus, a: (t: number) => AttentionReading): FrameAus => ({
      ...f,
      samples: f.samples.map((x) => ({ ...x, attention: a(x.ptsMs) })),
    });
    const eyes = (closed: boolean) => ({
      right: 1,
      left: 1,
      openness: closed ? 0.2 : 1,
      closed,
      blinks: 0,
      blinkRate: 0,
      closedMs: 0,
      perclos: 0,
    });
    const run = (a: (t: number) => AttentionReading) =>
      engagements(
        frames(0, 10_001, 10, () => auVec()).map((f) => withAttention(f, a)),
        { engagementIntervalMs: 10_000 },
      )[0]!;
    const mouth = (yawning: boolean) => ({ open: yawning ? 0.6 : 0.05, yawning, yawns: 0 });
    const looking = run(() => ({ faces: 1, onScreen: true, eyes: eyes(false), mouth: mouth(false) }));
    const away = run((t) => ({
      faces: 1,
      onScreen: t % 2000 < 1000,
      eyes: eyes(false),
      mouth: mouth(false),
    }));
    const asleep = run(() => ({ faces: 1, onScreen: true, eyes: eyes(true), mouth: mouth(false) }));
    const yawning = run((t) => ({ faces: 1, onScreen: true, eyes: eyes(false), mouth: mouth(t > 5000) }));
    expect(looking.components).toMatchObject({ onScreen: 1, eyesOpen: 1, yawning: 0, boredom: 0 });
    expect(away.components.onScreen).toBeCloseTo(0.5, 1);
    // a still face looking away half the time: boredom (1 − 0)·(1 − 0.5)
    expect(away.components.boredom).toBeCloseTo(0.5, 1);
    expect(asleep.components.eyesOpen).toBe(0);
    expect(yawning.components.yawning).toBeCloseTo(0.5, 1);
    for (const worse of [away, asleep, yawning]) expect(worse.score).toBeLessThan(looking.score);
  });
});
