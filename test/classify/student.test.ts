/**
 * The mesh student's input vector (pure) and the student folder's checks: a card trained on other features is
 * refused with a code, a corrupt graph too, and the shipped student (when present) runs to finite probabilities.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  MeshEstimator,
  MeshStudent,
  STUDENT_DIR,
  studentFeatures,
} from '../../src/classify/index.js';
import { AU_KEYS, type FaceObservation } from '../../src/types.js';

const zeros = Object.fromEntries(AU_KEYS.map((k) => [k, 0])) as Record<(typeof AU_KEYS)[number], number>;
const pose = { yaw: 0, pitch: 0, roll: 0 };
const at = (name: string) => FEATURE_NAMES.indexOf(name);

describe('studentFeatures', () => {
  it('has one value per name, absolute measures first', () => {
    const f = studentFeatures({ absolute: { ...zeros, AU4: 0.25 }, weight: 0, pose });
    expect(f.length).toBe(FEATURE_NAMES.length);
    expect(f[at('abs_AU4')]).toBeCloseTo(0.25);
    expect(f[at('expr_present')]).toBe(0);
  });

  it('a still (no person neutral) has no relative part, whatever the weight says', () => {
    const f = studentFeatures({
      absolute: zeros,
      raw: { ...zeros, AU1: 1 },
      personNeutral: null,
      weight: 1,
      pose,
    });
    expect(f[at('rel_AU1')]).toBe(0);
    expect(f[at('baseline_weight')]).toBe(0);
  });

  it('reads deviations from the person neutral, scaled by the warm-up weight', () => {
    const f = studentFeatures({
      absolute: zeros,
      raw: { ...zeros, AU1: 0.5 },
      personNeutral: { ...zeros, AU1: 0.3 },
      weight: 0.5,
      pose: { yaw: 45, pitch: -22.5, roll: 0 },
      expressions: { happy: 0.9, sad: 0.1 },
    });
    expect(f[at('rel_AU1')]).toBeCloseTo(0.1);
    expect(f[at('baseline_weight')]).toBeCloseTo(0.5);
    expect(f[at('yaw')]).toBeCloseTo(1);
    expect(f[at('pitch')]).toBeCloseTo(-0.5);
    expect(f[at('expr_happy')]).toBeCloseTo(0.9);
    expect(f[at('expr_present')]).toBe(1);
  });

  it('never carries a NaN', () => {
    const f = studentFeatures({
      absolute: { ...zeros, AU2: Number.NaN },
      raw: { ...zeros, AU4: Number.POSITIVE_INFINITY },
      personNeutral: zeros,
      weight: Number.NaN,
      pose: { yaw: Number.NaN, pitch: 0, roll: 0 },
      expressions: { happy: Number.NaN },
    });
    expect(Array.from(f).every(Number.isFinite)).toBe(true);
  });
});

const OPEN = { provider: 'cpu', intraOpThreads: 1 } as const;
const shipped = existsSync(join(STUDENT_DIR, 'model.json'));

describe.skipIf(!shipped)('the shipped mesh student', () => {
  it('opens, lists this build’s features and outputs finite probabilities', async () => {
    const s = await MeshStudent.open(STUDENT_DIR, OPEN);
    try {
      expect(s.card.features).toEqual(FEATURE_NAMES);
      const rows = [
        new Float32Array(FEATURE_NAMES.length),
        new Float32Array(FEATURE_NAMES.length).fill(0.05),
      ];
      const out = await s.run(rows);
      expect(out).toHaveLength(2);
      for (const r of out) {
        expect(r).toHaveLength(s.aus.length);
        expect(Array.from(r).every((p) => Number.isFinite(p) && p >= 0 && p <= 1)).toBe(true);
      }
    } finally {
      await s.close();
    }
  });

  it('refuses a card trained on other features, and a corrupt graph, with codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'student-'));
    cpSync(STUDENT_DIR, dir, { recursive: true });
    const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...card, features: card.features.slice(1) }));
    await expect(MeshStudent.open(dir, OPEN)).rejects.toMatchObject({ code: 'STUDENT_FEATURE_MISMATCH' });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(card));
    writeFileSync(join(dir, 'model.onnx'), 'not a model');
    await expect(MeshStudent.open(dir, OPEN)).rejects.toMatchObject({ code: 'STUDENT_CORRUPT_ONNX' });
  });
});

it('a missing student folder is a coded error', async () => {
  await expect(MeshStudent.open('/nonexistent/student', OPEN)).rejects.toMatchObject({
    code: 'STUDENT_NOT_FOUND',
  });
});

describe.skipIf(!shipped)('the mesh estimator with the student', () => {
  it('mixes the student per AU by its card: finite AUs, AU26 (weight 0.75) moves, AU4 (weight 0) does not', async () => {
    const fx = JSON.parse(readFileSync('test/fixtures/meshes/real-faces.json', 'utf8')) as {
      faces: { mesh: number[] }[];
    };
    const faces = fx.faces.slice(0, 20).map((f, i) => ({
      streamId: 's',
      seq: i,
      ptsMs: i * 100,
      decodedAt: 0,
      trackId: i,
      box: { x: 0, y: 0, w: 100, h: 100 },
      score: 0.9,
      mesh: Float32Array.from(f.mesh),
      detected: true,
      crop: { width: 0, height: 0, rgb: new Uint8Array(0), toSource: [] },
    })) as unknown as FaceObservation[];
    const plain = new MeshEstimator();
    const student = await MeshStudent.open(STUDENT_DIR, OPEN);
    const mixed = new MeshEstimator({ student });
    try {
      const a = await plain.estimate(faces);
      const b = await mixed.estimate(faces);
      for (const r of b)
        for (const k of AU_KEYS) expect(Number.isFinite(r[k]) && r[k] >= 0 && r[k] <= 1).toBe(true);
      expect(student.fusionWeight('AU4')).toBe(0);
      expect(b.map((r) => r.AU4)).toEqual(a.map((r) => r.AU4));
      // an AU the card mixes in (the shipped card: AU2, AU5, AU9 and AU26 at 0.75) moves
      expect(student.fusionWeight('AU26')).toBeGreaterThan(0.5);
      expect(b.some((r, i) => Math.abs(r.AU26 - (a[i] as typeof r).AU26) > 1e-3)).toBe(true);
    } finally {
      await plain.close();
      await mixed.close();
    }
  });
});
