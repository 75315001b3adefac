import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../../src/classify/bundle.js';
import { normalizerOf, writeCrop } from '../../src/classify/preprocess.js';

const input = (colorOrder: 'RGB' | 'BGR', range = 255): ModelCard['input'] => ({
  size: 2,
  layout: 'NCHW',
  mean: [0.5, 0.25, 0],
  std: [0.5, 0.25, 2],
  colorOrder,
  range,
});

describe('preprocessing uint8 RGB crop → normalised NCHW', () => {
  // 2x2 crop: pixels (r, g, b) = (0,51,255), (255,0,102), (102,204,0), (51,255,153)
  const rgb = Uint8Array.from([0, 51, 255, 255, 0, 102, 102, 204, 0, 51, 255, 153]);
  const ref = (v: number, c: number, inp: ReturnType<typeof input>) =>
    (v / inp.range - inp.mean[c]!) / inp.std[c]!;

  it('writes planes in channel order with the card formula, at the right batch slot', () => {
    const inp = input('RGB');
    const dst = new Float32Array(2 * 3 * 4).fill(99);
    writeCrop(rgb, normalizerOf(inp), dst, 1);
    expect(Array.from(dst.subarray(0, 12))).toEqual(new Array(12).fill(99)); // slot 0 untouched
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 4; p++) expect(dst[12 + c * 4 + p]).toBeCloseTo(ref(rgb[p * 3 + c]!, c, inp), 6);
    }
    expect(dst[12]).toBeCloseTo(-1, 6); // R=0: (0 - 0.5) / 0.5
  });

  it('swaps channels for BGR models and honours range', () => {
    const inp = input('BGR', 1);
    const dst = new Float32Array(12);
    writeCrop(rgb, normalizerOf(inp), dst, 0);
    // model channel 0 reads blue
    for (let p = 0; p < 4; p++) expect(dst[p]).toBeCloseTo(ref(rgb[p * 3 + 2]!, 0, inp), 4);
    for (let p = 0; p < 4; p++) expect(dst[8 + p]).toBeCloseTo(ref(rgb[p * 3]!, 2, inp), 4);
  });
});
