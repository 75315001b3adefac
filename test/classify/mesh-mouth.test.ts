import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIP_LINE_PX, MeshAuEstimator, meshAus, mouthAppearance } from '../../src/classify/mesh/index.js';
import { polygonMask } from '../../src/classify/mesh/mouth.js';
import type { FaceObservation } from '../../src/types.js';

interface MeshFixture {
  faces: { id: string; mesh: number[] }[];
}
const fixture = JSON.parse(readFileSync('test/fixtures/meshes/real-faces.json', 'utf8')) as MeshFixture;

const SIZE = 112;
const OUTER_LIP = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];

/**
 * A real face's mesh scaled into a 112 px image (so the landmarks sit where a crop puts them), with the
 * identity crop-to-source map: the painted image is both the source frame and the crop.
 */
function meshInCrop(id: string): Float32Array {
  const m = Float32Array.from(fixture.faces.find((f) => f.id === id)?.mesh ?? []);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < m.length; i += 3) {
    x0 = Math.min(x0, m[i] as number);
    x1 = Math.max(x1, m[i] as number);
    y0 = Math.min(y0, m[i + 1] as number);
    y1 = Math.max(y1, m[i + 1] as number);
  }
  const s = (SIZE * 0.8) / Math.max(x1 - x0, y1 - y0);
  return m.map((v, i) => (i % 3 === 0 ? (v - x0) * s + 6 : i % 3 === 1 ? (v - y0) * s + 6 : v * s));
}

function inside(x: number, y: number, poly: [number, number][]): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i] as [number, number];
    const [xj, yj] = poly[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

type Rgb = readonly [number, number, number];
const SKIN: Rgb = [200, 150, 120];
const LIP: Rgb = [170, 80, 80];
const TEETH: Rgb = [235, 230, 220];
const CAVITY: Rgb = [40, 20, 20];

/** Skin everywhere, lip colour inside the outer-lip contour, and an optional band across the lip centre. */
function paint(mesh: Float32Array, band?: { colour: Rgb; height: number }) {
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  const lips = OUTER_LIP.map((i) => [mesh[i * 3] as number, mesh[i * 3 + 1] as number] as [number, number]);
  const mid = ((mesh[13 * 3 + 1] as number) + (mesh[14 * 3 + 1] as number)) / 2;
  for (let v = 0; v < SIZE; v++)
    for (let u = 0; u < SIZE; u++) {
      let c = SKIN;
      if (inside(u, v, lips)) c = band && Math.abs(v - mid) < band.height / 2 ? band.colour : LIP;
      rgb.set(c, (v * SIZE + u) * 3);
    }
  return { width: SIZE, height: SIZE, rgb, toSource: [1, 0, 0, 0, 1, 0], templateId: 'test' };
}

function iodOf(mesh: Float32Array): number {
  const c = (a: number, b: number, d: number): number =>
    ((mesh[a * 3 + d] as number) + (mesh[b * 3 + d] as number)) / 2;
  return Math.hypot(c(33, 133, 0) - c(362, 263, 0), c(33, 133, 1) - c(362, 263, 1));
}

describe('polygonMask', () => {
  it('fills exactly the pixels the even-odd point test puts inside (concave, partly off the image)', () => {
    const poly: [number, number][] = [
      [-3.2, 4.5],
      [20.7, 1.1],
      [12.3, 9.6],
      [25.4, 18.2],
      [6.6, 14.9],
      [2.1, 22.3],
    ];
    const mask = polygonMask(poly, 24, 20);
    let n = 0;
    for (let v = 0; v < 20; v++)
      for (let u = 0; u < 24; u++) {
        expect(mask[v * 24 + u], `${u},${v}`).toBe(inside(u, v, poly) ? 1 : 0);
        n += mask[v * 24 + u] as number;
      }
    expect(n).toBeGreaterThan(100);
  });
});

describe('mouth appearance (pure pixel statistic)', () => {
  // A closed mouth (outer lips ~9 px tall, 32 px wide here); painted openings stay a minority of the lips.
  const mesh = meshInCrop('sample6-1');
  const iod = iodOf(mesh);

  it('closed lips of uniform lip colour read 0', () => {
    const a = mouthAppearance(paint(mesh), mesh);
    expect(a).toEqual({ open: 0, teeth: 0, cavity: 0 });
  });

  it('a band of teeth reads as open and as teeth, about its height in inter-ocular units', () => {
    const a = mouthAppearance(paint(mesh, { colour: TEETH, height: 3 }), mesh);
    expect(a.teeth).toBeGreaterThan(0);
    expect(a.cavity).toBe(0);
    // 3 rows of teeth (2–3 whole pixels per column) over the inter-ocular distance; `open` counts beyond the
    // closed lips' own line (LIP_LINE_PX), teeth the whole run.
    expect(a.teeth).toBeGreaterThan(1.9 / iod);
    expect(a.teeth).toBeLessThan(3.1 / iod);
    expect(a.open).toBeCloseTo(a.teeth - LIP_LINE_PX / iod, 6);
  });

  it('the one-pixel dark line of closed lips reads as no opening (LIP_LINE_PX)', () => {
    const line = mouthAppearance(paint(mesh, { colour: CAVITY, height: 1 }), mesh);
    expect(line.cavity).toBeGreaterThan(0);
    expect(line.open).toBe(0);
  });

  it('a dark cavity reads as open and as cavity; a taller opening reads larger', () => {
    const small = mouthAppearance(paint(mesh, { colour: CAVITY, height: 2 }), mesh);
    const big = mouthAppearance(paint(mesh, { colour: CAVITY, height: 4 }), mesh);
    expect(small.cavity).toBeGreaterThan(0);
    expect(small.teeth).toBe(0);
    expect(big.open).toBeGreaterThan(small.open + 1.5 / iod);
  });

  it('a bright but red gloss highlight on the lips does not read as teeth', () => {
    const a = mouthAppearance(paint(mesh, { colour: [240, 120, 120], height: 3 }), mesh);
    expect(a.open).toBe(0);
  });

  it('does not depend on where the crop sits in the source: a shifted and scaled source gives the same', () => {
    const crop = paint(mesh, { colour: TEETH, height: 3 });
    // Same pixels, but the mesh is in a source frame 2x larger and shifted; toSource says so.
    const moved = mesh.map((v, i) => (i % 3 === 0 ? v * 2 + 300 : i % 3 === 1 ? v * 2 - 50 : v * 2));
    const a = mouthAppearance(crop, mesh);
    const b = mouthAppearance({ ...crop, toSource: [2, 0, 300, 0, 2, -50] }, moved);
    expect(b.open).toBeCloseTo(a.open, 5);
  });

  it('the estimator adds the crop evidence to AU25 only; without a crop it equals the geometry', async () => {
    const real = Float32Array.from(fixture.faces.find((f) => f.id === 'sample5-5')?.mesh ?? []);
    const crop = paint(mesh, { colour: TEETH, height: 3 });
    const face = { streamId: 's', trackId: 1, mesh, crop } as unknown as FaceObservation;
    const est = new MeshAuEstimator();
    const [withCrop] = await est.estimate([face]);
    const geometry = meshAus(mesh);
    expect(withCrop?.AU25).toBeGreaterThan(geometry.AU25 + 0.1);
    for (const k of ['AU12', 'AU26', 'AU1'] as const) expect(withCrop?.[k]).toBe(geometry[k]);
    const off = new MeshAuEstimator({ mouthAppearance: false });
    expect((await off.estimate([face]))[0]).toEqual(geometry);
    const [noCrop] = await est.estimate([
      { streamId: 's', trackId: 2, mesh: real } as unknown as FaceObservation,
    ]);
    expect(noCrop).toEqual(meshAus(real));
  });
});
