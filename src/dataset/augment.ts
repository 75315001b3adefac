/**
 * Label-preserving image augmentation for the pseudo set, applied to a patch cut around a face BEFORE the
 * face is detected again (the labels come from the re-detected mesh, never from the applied change).
 * Pure pixel functions driven by a seeded generator, so the same seed gives the same bytes.
 */
import { applyAffine, warpAffine } from '../detect/index.js';
import type { Box, RgbImage } from '../types.js';

/** mulberry32: small, fast, good enough for augmentation draws. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

export interface PatchParams {
  /** Output side in pixels. */
  readonly size: number;
  /** Patch side over face-box side (context around the face). */
  readonly context: number;
  readonly rotateDeg: number;
  readonly scale: number;
  /** Shift of the patch centre, in face-box sides. */
  readonly shiftX: number;
  readonly shiftY: number;
}

/** Draws crop/scale jitter and a small rotation. */
export function drawPatchParams(rng: Rng, size = 224, context = 2): PatchParams {
  return {
    size,
    context,
    rotateDeg: uniform(rng, -12, 12),
    scale: uniform(rng, 0.85, 1.15),
    shiftX: uniform(rng, -0.08, 0.08),
    shiftY: uniform(rng, -0.08, 0.08),
  };
}

/** Cuts a rotated, scaled, shifted square patch around `box`; also returns the patch→source affine. */
export function cutPatch(img: RgbImage, box: Box, p: PatchParams): { patch: RgbImage; toSource: number[] } {
  const side = Math.max(box.w, box.h) * p.context * p.scale;
  const cx = box.x + box.w / 2 + p.shiftX * box.w;
  const cy = box.y + box.h / 2 + p.shiftY * box.h;
  const k = side / p.size;
  const a = (p.rotateDeg * Math.PI) / 180;
  const c = Math.cos(a) * k;
  const s = Math.sin(a) * k;
  const h = p.size / 2;
  // source = centre + R*k*(patch - h)
  const toSource = [c, -s, cx - c * h + s * h, s, c, cy - s * h - c * h];
  return { patch: { width: p.size, height: p.size, rgb: warpAffine(img, toSource, p.size) }, toSource };
}

/** Where a source point lands in the patch (inverse of `toSource`). */
export function toPatch(toSource: readonly number[], x: number, y: number): [number, number] {
  const [a, b, tx, c, d, ty] = toSource as [number, number, number, number, number, number];
  const det = a * d - b * c;
  const inv = [d / det, -b / det, (b * ty - d * tx) / det, -c / det, a / det, (c * tx - a * ty) / det];
  return applyAffine(inv, x, y);
}

export interface PhotoParams {
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly gamma: number;
  readonly blurRadius: number;
  readonly noiseSigma: number;
  /** JPEG quality 2–31 (ffmpeg qscale, lower is better) or 0 for none. */
  readonly jpegQ: number;
  /** Occluding rectangle in patch fractions, or null. */
  readonly occlusion: { x: number; y: number; w: number; h: number; grey: number } | null;
}

export function drawPhotoParams(rng: Rng): PhotoParams {
  const occlude = rng() < 0.3;
  const ow = uniform(rng, 0.08, 0.18);
  const oh = uniform(rng, 0.08, 0.18);
  return {
    brightness: uniform(rng, -25, 25),
    contrast: uniform(rng, 0.75, 1.25),
    saturation: uniform(rng, 0.6, 1.3),
    gamma: uniform(rng, 0.8, 1.25),
    blurRadius: rng() < 0.35 ? Math.floor(uniform(rng, 1, 3)) : 0,
    noiseSigma: rng() < 0.4 ? uniform(rng, 2, 9) : 0,
    jpegQ: rng() < 0.4 ? Math.floor(uniform(rng, 8, 24)) : 0,
    // Keep the occluder off the centre of the face (eyes, nose, mouth) so the mesh can still see the AUs.
    occlusion: occlude
      ? {
          x: rng() < 0.5 ? uniform(rng, 0.12, 0.3) : uniform(rng, 0.58, 0.75),
          y: uniform(rng, 0.2, 0.7),
          w: ow,
          h: oh,
          grey: Math.floor(uniform(rng, 0, 255)),
        }
      : null,
  };
}

/** Colour (brightness, contrast, saturation, gamma), box blur, Gaussian-ish noise and occlusion, in place. */
export function applyPhoto(img: RgbImage, p: PhotoParams, rng: Rng): RgbImage {
  const { width: w, height: h } = img;
  let px: Float32Array = Float32Array.from(img.rgb);
  for (let i = 0; i < w * h; i++) {
    const r = px[i * 3] as number;
    const g = px[i * 3 + 1] as number;
    const b = px[i * 3 + 2] as number;
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    for (let c = 0; c < 3; c++) {
      let v = px[i * 3 + c] as number;
      v = l + (v - l) * p.saturation;
      v = (v - 128) * p.contrast + 128 + p.brightness;
      v = 255 * (Math.max(0, Math.min(255, v)) / 255) ** p.gamma;
      px[i * 3 + c] = v;
    }
  }
  if (p.blurRadius > 0) px = boxBlur(px, w, h, p.blurRadius);
  if (p.noiseSigma > 0) {
    for (let i = 0; i < px.length; i++) {
      // Sum of 3 uniforms: cheap bell-shaped noise with the requested standard deviation.
      const n = (rng() + rng() + rng() - 1.5) * 2 * p.noiseSigma;
      px[i] = (px[i] as number) + n;
    }
  }
  if (p.occlusion) {
    const o = p.occlusion;
    for (let y = Math.floor(o.y * h); y < Math.min(h, (o.y + o.h) * h); y++)
      for (let x = Math.floor(o.x * w); x < Math.min(w, (o.x + o.w) * w); x++)
        for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = o.grey;
  }
  const out = new Uint8Array(px.length);
  for (let i = 0; i < px.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(px[i] as number)));
  return { width: w, height: h, rgb: out };
}

function boxBlur(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const pass = (from: Float32Array, to: Float32Array, horizontal: boolean): void => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++) {
          let s = 0;
          let n = 0;
          for (let k = -r; k <= r; k++) {
            const xx = horizontal ? x + k : x;
            const yy = horizontal ? y : y + k;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            s += from[(yy * w + xx) * 3 + c] as number;
            n++;
          }
          to[(y * w + x) * 3 + c] = s / n;
        }
  };
  pass(src, tmp, true);
  pass(tmp, out, false);
  return out;
}
