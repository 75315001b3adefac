import { describe, expect, it } from 'vitest';
import { boundedAus, boundedProbability, PROBABILITY_FLOOR } from '../../src/classify/index.js';

describe('bounded published probabilities (pure)', () => {
  it('maps [0, 1] monotonically onto [0.01, 0.99] and keeps NaN visible', () => {
    expect(boundedProbability(0)).toBeCloseTo(PROBABILITY_FLOOR, 12);
    expect(boundedProbability(1)).toBeCloseTo(1 - PROBABILITY_FLOOR, 12);
    expect(boundedProbability(0.5)).toBeCloseTo(0.5, 12);
    expect(boundedProbability(0.3)).toBeLessThan(boundedProbability(0.3001));
    expect(boundedProbability(Number.NaN)).toBeNaN();
  });

  it('bounds every key of a vector and keeps the keys', () => {
    const b = boundedAus({ AU12: 1, AU25: 0, AU4: 0.25 });
    expect(Object.keys(b).sort()).toEqual(['AU12', 'AU25', 'AU4']);
    expect(b.AU12).toBeCloseTo(0.99, 12);
    expect(b.AU25).toBeCloseTo(0.01, 12);
    expect(b.AU4).toBeCloseTo(0.01 + 0.98 * 0.25, 12);
  });
});
