import type { ModelCard } from './bundle.js';

/**
 * Per-channel affine form of the card's normalisation, `x = pixel * scale[c] + bias[c]`, where
 * `scale = 1 / (range * std)` and `bias = -mean / std`; channel c reads source channel `src[c]`
 * (RGB crops; `[2, 1, 0]` for BGR models).
 */
export interface Normalizer {
  readonly size: number;
  readonly scale: Float32Array;
  readonly bias: Float32Array;
  readonly src: readonly [number, number, number];
}

export function normalizerOf(input: ModelCard['input']): Normalizer {
  const scale = new Float32Array(3);
  const bias = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    scale[c] = 1 / (input.range * input.std[c]!);
    bias[c] = -input.mean[c]! / input.std[c]!;
  }
  return { size: input.size, scale, bias, src: input.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2] };
}

/**
 * Writes one RGB24 crop (size x size, row-major interleaved) into `dst` as planar NCHW at image slot
 * `slot`. Crops must already be at the model's input size: the detect stage aligns straight to it, and
 * resizing here would show the model pixels it never saw in training.
 */
export function writeCrop(rgb: Uint8Array, n: Normalizer, dst: Float32Array, slot: number): void {
  const plane = n.size * n.size;
  const base = slot * 3 * plane;
  for (let c = 0; c < 3; c++) {
    const s = n.scale[c]!;
    const b = n.bias[c]!;
    const off = base + c * plane;
    for (let i = 0, j = n.src[c]!; i < plane; i++, j += 3) dst[off + i] = rgb[j]! * s + b;
  }
}
