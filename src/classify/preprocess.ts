import type { ModelCard } from './card.js';

/**
 * The card's normalisation `x[c] = (pixel[c] / range - mean[c]) / std[c]` as a lookup table: 256
 * float32 values per model channel (`lut[c * 256 + v]`), with the channel order folded in (model
 * channel c reads crop channel `src[c]`: RGB crops, `[2, 1, 0]` for BGR models).
 */
export interface Normalizer {
  readonly size: number;
  readonly lut: Float32Array;
  readonly src: readonly [number, number, number];
}

export function normalizerOf(input: ModelCard['input']): Normalizer {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / input.range - input.mean[c]!) / input.std[c]!;
  }
  return { size: input.size, lut, src: input.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2] };
}

/**
 * Writes one RGB24 crop (size x size, row-major interleaved) into `dst` as planar NCHW at image slot
 * `slot`, in one pass over the pixels. Crops must already be at the model's input size: the detect
 * stage aligns straight to it, and resizing here would show the model pixels it never saw in training.
 */
export function writeCrop(rgb: Uint8Array, n: Normalizer, dst: Float32Array, slot: number): void {
  const plane = n.size * n.size;
  const o0 = slot * 3 * plane;
  const o1 = o0 + plane;
  const o2 = o1 + plane;
  const [s0, s1, s2] = n.src;
  const lut = n.lut;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    dst[o0 + i] = lut[rgb[j + s0]!]!;
    dst[o1 + i] = lut[256 + rgb[j + s1]!]!;
    dst[o2 + i] = lut[512 + rgb[j + s2]!]!;
  }
}
