import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BASELINE,
  MeshAuEstimator,
  meshAus,
  meshMeasures,
  normalizeMesh,
  RELATIVE_AUS,
} from '../../src/classify/mesh/index.js';
import { type LabelledFace, loadYardstick } from '../../src/dataset/index.js';
import { meshEstimatorScores, SUBSETS, scoreYardstick, yardstickObservations } from '../../src/eval/index.js';
import { AU_KEYS, type AuKey, type FaceObservation } from '../../src/types.js';

interface MeshFixture {
  faces: { id: string; mesh: number[] }[];
}
const fixture = JSON.parse(readFileSync('test/fixtures/meshes/real-faces.json', 'utf8')) as MeshFixture;
const meshOf = (id: string): Float32Array =>
  Float32Array.from(fixture.faces.find((f) => f.id === id)?.mesh ?? []);

/** Rotates in the image plane about the mesh centre, scales (z too: the detector's z is in pixels) and shifts. */
function similarity(mesh: Float32Array, deg: number, scale: number, dx: number, dy: number): Float32Array {
  const n = mesh.length / 3;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += mesh[i * 3] as number;
    cy += mesh[i * 3 + 1] as number;
  }
  cx /= n;
  cy /= n;
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  const out = new Float32Array(mesh.length);
  for (let i = 0; i < n; i++) {
    const x = (mesh[i * 3] as number) - cx;
    const y = (mesh[i * 3 + 1] as number) - cy;
    out[i * 3] = scale * (c * x - s * y) + cx + dx;
    out[i * 3 + 1] = scale * (s * x + c * y) + cy + dy;
    out[i * 3 + 2] = scale * (mesh[i * 3 + 2] as number);
  }
  return out;
}

/** Moves listed vertices by (dx, dy) inter-ocular units in the face's own upright image frame. */
function move(mesh: Float32Array, ids: readonly number[], dx: number, dy: number): Float32Array {
  const out = Float32Array.from(mesh);
  const ex = ((mesh[33 * 3] as number) + (mesh[133 * 3] as number)) / 2;
  const ey = ((mesh[33 * 3 + 1] as number) + (mesh[133 * 3 + 1] as number)) / 2;
  const fx = ((mesh[263 * 3] as number) + (mesh[362 * 3] as number)) / 2;
  const fy = ((mesh[263 * 3 + 1] as number) + (mesh[362 * 3 + 1] as number)) / 2;
  const iod = Math.hypot(fx - ex, fy - ey);
  const ux = (fx - ex) / iod;
  const uy = (fy - ey) / iod;
  for (const i of ids) {
    out[i * 3] = (out[i * 3] as number) + iod * (dx * ux - dy * uy);
    out[i * 3 + 1] = (out[i * 3 + 1] as number) + iod * (dx * uy + dy * ux);
  }
  return out;
}

const FACES = ['astronaut-1', 'sample3-1', 'sample1-2', 'sample4-2', 'sample6-1'];

describe('mesh estimator: invariance', () => {
  it.each(FACES)('%s: rotated 20° in-plane and scaled, every AU probability moves < 0.05', (id) => {
    const mesh = meshOf(id);
    const a = meshAus(mesh);
    for (const [deg, scale] of [
      [20, 1.7],
      [-20, 0.6],
    ] as const) {
      const b = meshAus(similarity(mesh, deg, scale, 37, -55));
      for (const k of AU_KEYS) expect(Math.abs(a[k] - b[k]), `${k} at ${deg}°`).toBeLessThan(0.05);
    }
  });

  it('the fit puts a real face closer to the canonical one than its depth-mirrored twin', () => {
    const mesh = meshOf('astronaut-1');
    const mirrored = Float32Array.from(mesh, (v, i) => (i % 3 === 2 ? -v : v));
    const good = normalizeMesh(mesh).residual;
    expect(good).toBeLessThan(0.15);
    expect(good).toBeLessThan(normalizeMesh(mirrored).residual * 0.7);
  });
});

// Image-frame displacements (x toward the subject's left eye, y down) in inter-ocular units, per AU.
const UP = -0.06;
const DIRECTIONS: [AuKey, number[], number, number][] = [
  ['AU1', [107, 55, 336, 285, 66, 65, 296, 295], 0, UP],
  ['AU2', [70, 46, 300, 276, 63, 53, 293, 283], 0, UP],
  ['AU4', [107, 55, 105, 52, 336, 285, 334, 282], 0, -UP],
  ['AU5', [159, 158, 160, 386, 385, 387], 0, UP / 3],
  ['AU6', [145, 144, 153, 374, 373, 380, 118, 347], 0, UP / 2],
  ['AU9', [129, 358, 64, 294, 0, 37, 267], 0, UP],
  ['AU12', [61, 291, 78, 308], 0, UP],
  ['AU15', [61, 291, 78, 308], 0, -UP],
  ['AU17', [14, 87, 317, 178, 402, 17, 18, 152, 148, 377, 175, 199, 200], 0, UP / 2],
  ['AU25', [14, 87, 317, 178, 402, 88, 318, 17], 0, -UP],
  ['AU26', [14, 87, 317, 178, 402, 88, 318, 17, 152, 148, 377, 175, 199, 200, 18], 0, -UP * 2],
];

describe('mesh estimator: direction', () => {
  it.each(DIRECTIONS)('moving the %s landmarks along its action raises its measure', (au, ids, dx, dy) => {
    for (const id of FACES) {
      const mesh = meshOf(id);
      const before = meshMeasures(mesh)[au];
      const after = meshMeasures(move(mesh, ids, dx, dy))[au];
      expect(after, `${au} on ${id}`).toBeGreaterThan(before + 0.01);
    }
  });

  it('with the 68-point net: AU12 is the mean of the two models’ measures; AU26 the net’s gap and the cavity', () => {
    const mesh = meshOf('sample3-1');
    const lips = { gap: 0.05, width: 0.8, rise: 0.02 };
    const mouth = { open: 0.05, teeth: 0.03, cavity: 0.02 };
    const base = meshMeasures(mesh, undefined, mouth, lips);
    expect(meshMeasures(mesh, undefined, mouth, { ...lips, width: 0.9 }).AU12 - base.AU12).toBeCloseTo(
      0.025,
      6,
    );
    expect(meshMeasures(mesh, undefined, mouth, { ...lips, rise: 0.12 }).AU12 - base.AU12).toBeCloseTo(
      0.05,
      6,
    );
    const risen = meshMeasures(move(mesh, [61, 291, 78, 308], 0, UP), undefined, mouth, lips);
    expect(risen.AU12).toBeGreaterThan(base.AU12 + 0.01);
    // AU26: the net's gap above closed lips plus 4x the dark cavity; the mesh's jaw no longer counts.
    expect(base.AU26).toBeCloseTo(0.05 - 0.013 + 4 * 0.02, 6);
    const jaw = meshMeasures(
      move(mesh, [152, 148, 377, 175, 199, 200, 18], 0, -UP * 2),
      undefined,
      mouth,
      lips,
    );
    expect(jaw.AU26).toBe(base.AU26);
    expect(meshMeasures(mesh, undefined, { ...mouth, cavity: 0.1 }, lips).AU26).toBeGreaterThan(
      base.AU26 + 0.3,
    );
  });

  it('AU20: stretching the corners sideways raises it; a smile (corners up) does not', () => {
    const mesh = meshOf('sample3-1');
    const stretched = move(move(mesh, [61, 78], -0.05, 0), [291, 308], 0.05, 0);
    expect(meshMeasures(stretched).AU20).toBeGreaterThan(meshMeasures(mesh).AU20 + 0.02);
    const smile = move(move(mesh, [61, 78], -0.05, -0.08), [291, 308], 0.05, -0.08);
    expect(meshMeasures(smile).AU20).toBeLessThan(meshMeasures(stretched).AU20);
  });
});

describe('mesh estimator: the hand-labelled real faces', () => {
  it('ranks clear AU12/AU25/AU26 above clear absences (measured floors; see docs/au-evidence.md)', async () => {
    const y = await loadYardstick();
    // As production runs it: MeshAuEstimator.estimate on the stored mesh plus the aligned crop, with the
    // 68-point landmark net's lip reading and the expression net's happy; then without the expression net,
    // then without either net.
    const obs = await yardstickObservations(y.faces);
    const prod = await meshEstimatorScores(obs);
    const lips = await meshEstimatorScores(obs, { expressions: false });
    const crop = await meshEstimatorScores(obs, { landmarks: false, expressions: false });
    const score = (
      keep: (f: LabelledFace) => boolean,
      by: (f: LabelledFace) => Record<string, number> | null,
    ) => Object.fromEntries(scoreYardstick(y.faces.filter(keep), by).map((r) => [r.au, r]));
    const production = (f: LabelledFace) => prod.get(f.id) ?? null;
    const geometry = (f: LabelledFace) => meshAus(meshOf(f.id));
    const photos = score(SUBSETS.photos as (f: LabelledFace) => boolean, production);
    const thumbs = score(SUBSETS.thumbnails as (f: LabelledFace) => boolean, production);
    const all = score(() => true, production);
    const allLips = score(
      () => true,
      (f) => lips.get(f.id) ?? null,
    );
    const photosGeometry = score(SUBSETS.photos as (f: LabelledFace) => boolean, geometry);
    const photosCrop = score(SUBSETS.photos as (f: LabelledFace) => boolean, (f) => crop.get(f.id) ?? null);
    const allCrop = score(
      () => true,
      (f) => crop.get(f.id) ?? null,
    );
    // Issue #4 targets AUC ≥ 0.95 for all three, scored on the annotators' consensus labels: AU12 (all faces),
    // AU25 on the photo faces and AU26 meet it on these stored meshes; the rest are held at the measured levels
    // less a small margin (measured: photos AU12 0.988, AU25 0.973, AU26 1.000; thumbnails AU12 0.961, AU25
    // 0.881; all AU12 0.966, AU25 0.894, AU26 0.998; AU6 all 0.984).
    expect(all.AU12?.auc).toBeGreaterThanOrEqual(0.95);
    expect(photos.AU25?.auc).toBeGreaterThanOrEqual(0.95);
    expect(all.AU26?.auc).toBeGreaterThanOrEqual(0.95);
    expect(photos.AU12?.auc).toBeGreaterThanOrEqual(0.95);
    expect(photos.AU26?.auc).toBeGreaterThanOrEqual(0.93);
    expect(thumbs.AU12?.auc).toBeGreaterThanOrEqual(0.94);
    expect(thumbs.AU25?.auc).toBeGreaterThanOrEqual(0.86);
    expect(all.AU25?.auc).toBeGreaterThanOrEqual(0.87);
    expect(all.AU6?.auc).toBeGreaterThanOrEqual(0.95);
    expect(all.AU12?.positives).toBeGreaterThanOrEqual(80);
    expect(all.AU26?.negatives).toBeGreaterThanOrEqual(90);
    // The expression net's happy lifts AU12 (all 0.926 -> 0.966) and AU6 (0.729 -> 0.984), and only those.
    expect(all.AU12?.auc).toBeGreaterThan((allLips.AU12?.auc ?? 1) + 0.02);
    expect(all.AU6?.auc).toBeGreaterThan((allLips.AU6?.auc ?? 1) + 0.15);
    expect(all.AU25?.auc).toBe(allLips.AU25?.auc);
    expect(all.AU26?.auc).toBe(allLips.AU26?.auc);
    // The crop's teeth/cavity evidence lifts AU25 above the geometry alone (0.87 on the photos); the 68-point
    // net lifts AU25 again (all 0.85 -> 0.89) and AU12 on the small faces (all 0.885 -> 0.926).
    expect(photosCrop.AU25?.auc).toBeGreaterThan((photosGeometry.AU25?.auc ?? 1) + 0.03);
    expect(photosGeometry.AU25?.auc).toBeGreaterThanOrEqual(0.83);
    expect(allLips.AU25?.auc).toBeGreaterThan((allCrop.AU25?.auc ?? 1) + 0.02);
    expect(allLips.AU12?.auc).toBeGreaterThan((allCrop.AU12?.auc ?? 1) + 0.03);
    // With the net, AU26 reads its lip gap plus the crop's dark cavity instead of the mesh's jaw (0.875 -> 0.998).
    expect(allLips.AU26?.auc).toBeGreaterThan((allCrop.AU26?.auc ?? 1) + 0.1);
  }, 60_000); // decodes the yardstick photos with ffmpeg

  it('the estimator class gives the pure function result and keeps per-track baselines apart', async () => {
    const mesh = meshOf('sample3-3');
    const face = { streamId: 's', trackId: 1, mesh } as unknown as FaceObservation;
    const est = new MeshAuEstimator();
    expect(est.name).toBe('mesh');
    const [v] = await est.estimate([face]);
    expect(v).toEqual(meshAus(mesh));
    const tracked = new MeshAuEstimator({ baseline: { ...DEFAULT_BASELINE, warmupMs: 1000 } });
    expect(tracked.personNormalised).toBe(true);
    expect(est.personNormalised).toBe(false);
    const other = { ...face, trackId: 2, mesh: meshOf('sample3-1') } as unknown as FaceObservation;
    const at = (f: FaceObservation, ptsMs: number) => ({ ...f, ptsMs }) as FaceObservation;
    for (let i = 0; i < 40; i++) await tracked.estimate([at(face, i * 100), at(other, i * 100)]);
    // A face held still for 4 s becomes its own neutral: its relative AUs read as the relative calibration's
    // zero (about 0.05), whatever its anatomy reads against the canonical face; AU12 stays absolute.
    const [held, heldOther] = await tracked.estimate([at(face, 4000), at(other, 4000)]);
    for (const k of RELATIVE_AUS) {
      expect(held?.[k]).toBeLessThan(0.06);
      expect(heldOther?.[k]).toBeLessThan(0.06);
    }
    expect(held?.AU12).toBeCloseTo(v?.AU12 ?? -1, 9);
    // A face that differs from its own neutral reads that difference: the other track's mesh under track 1.
    const [moved] = await tracked.estimate([
      { ...at(face, 4100), mesh: meshOf('sample3-1') } as FaceObservation,
    ]);
    expect(moved).not.toEqual(held);
    await tracked.close();
  });
});
