import { describe, expect, it } from 'vitest';
import { emotionSchema } from '../../src/config/sections/emotion.js';
import { trackConfigOf } from '../../src/emotion/engine.js';

describe('emotion config section', () => {
  it('defaults are consistent and map onto the track analyzer config', () => {
    const cfg = emotionSchema.parse({});
    expect(cfg.offThreshold).toBeLessThanOrEqual(cfg.onThreshold);
    expect(cfg.engagementWeights).toEqual({
      presence: 0.4,
      onScreen: 0.8,
      eyesOpen: 0.4,
      expressiveness: 0.2,
      interest: 0.2,
      confusion: 0.3,
      boredom: 0.3,
    });
    const t = trackConfigOf(cfg);
    expect(t.lifecycle).toMatchObject({ on: 0.5, off: 0.35, minDurationMs: 300, minOffMs: 300 });
    expect(t.sustain.minDurationMs).toBe(cfg.engagementSustainMs);
  });

  it('rejects an off threshold above the on threshold, unknown keys and out-of-range weights', () => {
    expect(emotionSchema.safeParse({ onThreshold: 0.3, offThreshold: 0.4 }).success).toBe(false);
    expect(emotionSchema.safeParse({ onTreshold: 0.3 }).success).toBe(false);
    expect(emotionSchema.safeParse({ engagementWeights: { presence: -1 } }).success).toBe(false);
    expect(emotionSchema.safeParse({ engagementWeights: { attention: 1 } }).success).toBe(false);
  });
});
