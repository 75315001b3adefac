import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LANDMARK_COUNT,
  LANDMARKS68_DIR,
  Landmarks68,
  lipMeasures68,
  MeshAuEstimator,
  meshAus,
  mouthAppearance,
} from '../../src/classify/mesh/index.js';
import { loadYardstick } from '../../src/dataset/index.js';
import { faceApiNet } from '../../src/dataset/peers.js';
import { ModelError } from '../../src/errors.js';
import { yardstickObservations } from '../../src/eval/index.js';
import type { AlignedCrop, FaceObservation } from '../../src/types.js';

/** 68 points of a frontal face in the 300-W layout, only the parts lipMeasures68 reads: eyes and inner lips. */
function face68(gap: number): Float32Array {
  const p = new Float32Array(2 * LANDMARK_COUNT);
  const set = (i: number, x: number, y: number) => {
    p[2 * i] = x;
    p[2 * i + 1] = y;
  };
  for (let i = 36; i <= 41; i++) set(i, -0.5 + (i - 38.5) * 0.01, 0);
  for (let i = 42; i <= 47; i++) set(i, 0.5 + (i - 44.5) * 0.01, 0);
  for (const [k, i] of [61, 62, 63].entries()) set(i, -0.1 + 0.1 * k, 1);
  for (const [k, i] of [67, 66, 65].entries()) set(i, -0.1 + 0.1 * k, 1 + gap);
  return p;
}

function similarity(p: Float32Array, deg: number, scale: number, tx: number, ty: number): Float32Array {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i += 2) {
    const x = p[i] as number;
    const y = p[i + 1] as number;
    out[i] = scale * (c * x - s * y) + tx;
    out[i + 1] = scale * (s * x + c * y) + ty;
  }
  return out;
}

describe('lipMeasures68 (pure)', () => {
  it('reads the inner-lip gap in inter-ocular units, whatever the rotation, scale and position', () => {
    expect(lipMeasures68(face68(0)).gap).toBeCloseTo(0, 6);
    expect(lipMeasures68(face68(0.2)).gap).toBeCloseTo(0.2, 6);
    expect(lipMeasures68(similarity(face68(0.2), 25, 87, 300, -40)).gap).toBeCloseTo(0.2, 5);
    expect(lipMeasures68(similarity(face68(0.05), -40, 0.3, 0, 0)).gap).toBeCloseTo(0.05, 5);
  });

  it('reads mouth width along the eye line and corner rise above the upper-lip top and the lip mid-line', () => {
    const p = face68(0.1);
    const set = (i: number, x: number, y: number) => {
      p[2 * i] = x;
      p[2 * i + 1] = y;
    };
    set(51, 0, 0.9); // upper-lip top; the inner-lip mid-line is at 1.05, so the reference is at 0.975
    set(48, -0.4, 0.925);
    set(54, 0.4, 0.925); // corners 0.05 above it (y grows downward)
    const m = lipMeasures68(p);
    expect(m.width).toBeCloseTo(0.8, 6);
    expect(m.rise).toBeCloseTo(0.05, 6);
    const t = lipMeasures68(similarity(p, 30, 50, 10, 20));
    expect(t.width).toBeCloseTo(0.8, 5);
    expect(t.rise).toBeCloseTo(0.05, 5);
    expect(t.gap).toBeCloseTo(0.1, 5);
  });

  it('is NaN when the eyes coincide (no scale to measure in)', () => {
    expect(lipMeasures68(new Float32Array(2 * LANDMARK_COUNT)).gap).toBeNaN();
    expect(lipMeasures68(new Float32Array(2 * LANDMARK_COUNT)).width).toBeNaN();
  });
});

describe('the 68-point landmark model on real aligned crops', () => {
  let net: Landmarks68;
  let obs: Map<string, FaceObservation>;
  const ids = ['sample1-2', 'sample2-2', 'sample2-1', 'sample4-1', 'sample3-3'];

  beforeAll(async () => {
    net = await Landmarks68.open(LANDMARKS68_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const y = await loadYardstick();
    obs = await yardstickObservations(y.faces.filter((f) => ids.includes(f.id)));
  }, 60_000);
  afterAll(async () => net.close());

  it("matches face-api's own tfjs landmark net on the same crops (the ONNX export is the same model)", async () => {
    const faceApi = await faceApiNet('faceLandmark68Net', (n, t) => n.detectLandmarks(t));
    const crops = ids.map((id) => obs.get(id)?.crop as AlignedCrop);
    const ours = await net.landmarks(crops);
    for (const [k, c] of crops.entries()) {
      const lm = await faceApi(c);
      const diff = Math.max(
        ...lm.positions.flatMap((q, i) => [
          Math.abs(q.x - ours[k]![2 * i]!),
          Math.abs(q.y - ours[k]![2 * i + 1]!),
        ]),
      );
      expect(diff, ids[k]).toBeLessThan(0.01); // crop pixels
    }
  }, 60_000);

  it('reads open laughing mouths as open and closed mouths as closed', async () => {
    const gaps = Object.fromEntries(
      (await net.landmarks(ids.map((id) => obs.get(id)?.crop as AlignedCrop))).map((p, k) => [
        ids[k],
        lipMeasures68(p).gap,
      ]),
    );
    // sample1-2 laughs with the jaw open, sample2-2's lips are apart; sample2-1 and sample4-1 are closed.
    for (const open of ['sample1-2', 'sample2-2'])
      for (const closed of ['sample2-1', 'sample4-1'])
        expect(gaps[open]).toBeGreaterThan(gaps[closed]! + 0.05);
    expect(Math.abs(gaps['sample2-1']!)).toBeLessThan(0.05);
  });

  it('resamples crops of another size to its input (same landmarks, in that crop’s pixels)', async () => {
    const c = obs.get('sample3-3')?.crop as AlignedCrop;
    const big = await yardstickObservations(
      (await loadYardstick()).faces.filter((f) => f.id === 'sample3-3'),
      160,
    );
    const [a] = await net.landmarks([c]);
    const [b] = await net.landmarks([big.get('sample3-3')?.crop as AlignedCrop]);
    const err = a!.map((v, i) => Math.abs(v * (160 / 112) - b![i]!));
    expect(Math.max(...err)).toBeLessThan(3); // pixels of the 160 crop
    expect(lipMeasures68(b!).gap).toBeCloseTo(lipMeasures68(a!).gap, 1);
  });

  it('the mesh estimator reads its lips for AU12, AU25 and AU26 only, and closes it', async () => {
    const f = obs.get('sample1-2') as FaceObservation;
    const local = await Landmarks68.open(LANDMARKS68_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const withNet = new MeshAuEstimator({ landmarks: local });
    const [a] = await withNet.estimate([f]);
    const [b] = await new MeshAuEstimator().estimate([f]);
    const lips68 = lipMeasures68((await net.landmarks([f.crop]))[0]!);
    expect(a).toEqual(meshAus(f.mesh, { mouth: mouthAppearance(f.crop, f.mesh), lips68 }));
    // sample1-2 laughs with the jaw open: the net's gap adds to AU25; its smile moves AU12; its wide gap
    // and the dark cavity between the teeth read as AU26 (the mesh's jaw measure is replaced).
    expect(a!.AU25).toBeGreaterThan(b!.AU25);
    expect(a!.AU12).not.toBe(b!.AU12);
    expect(a!.AU26).toBeGreaterThan(0.5);
    expect(a!.AU26).not.toBe(b!.AU26);
    for (const k of ['AU1', 'AU2', 'AU4', 'AU6', 'AU9', 'AU17'] as const) expect(a![k]).toBe(b![k]);
    await withNet.close();
    await expect(local.landmarks([f.crop])).rejects.toThrow(/closed/);
  });
});

describe('the lip net only on detections (classify.cropModelsOnDetections)', () => {
  it('followed faces reuse their track’s last reading; detections, new tracks and ended tracks measure again', async () => {
    const y = await loadYardstick();
    const obs = await yardstickObservations(
      y.faces.filter((f) => f.id === 'sample1-2' || f.id === 'sample2-1'),
    );
    const open = obs.get('sample1-2') as FaceObservation;
    const closed = obs.get('sample2-1') as FaceObservation;
    const net = await Landmarks68.open(LANDMARKS68_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const calls = vi.spyOn(net, 'landmarks');
    const est = new MeshAuEstimator({ landmarks: net, cropNetsOnDetections: true });
    const at = (f: FaceObservation, trackId: number, detected: boolean) => ({
      ...f,
      streamId: 's',
      trackId,
      detected,
    });
    // track 1 detected on the open mouth, then followed while its crop shows the closed one: AU25 keeps the
    // open reading's net term (the net did not run again), the mesh terms follow the closed face
    const [first] = await est.estimate([at(open, 1, true)]);
    expect(calls).toHaveBeenCalledTimes(1);
    const [followed] = await est.estimate([at(closed, 1, false)]);
    expect(calls).toHaveBeenCalledTimes(1);
    const lips = lipMeasures68((await net.landmarks([open.crop]))[0]!);
    expect(followed).toEqual(
      meshAus(closed.mesh, { mouth: mouthAppearance(closed.crop, closed.mesh), lips68: lips }),
    );
    expect(first!.AU25).toBeGreaterThan(followed!.AU25);
    calls.mockClear();
    // a followed face of a track never measured, and a new detection, both run the net (one batch)
    await est.estimate([at(closed, 2, false), at(closed, 1, true)]);
    expect(calls).toHaveBeenCalledTimes(1);
    expect(calls.mock.calls[0]?.[0]).toHaveLength(2);
    est.endTrack('s', 2);
    calls.mockClear();
    await est.estimate([at(closed, 2, false)]);
    expect(calls).toHaveBeenCalledTimes(1);
    await est.close();
  }, 60_000);
});

describe('Landmarks68.open: clear errors', () => {
  const open = (dir: string) =>
    Landmarks68.open(dir, { provider: 'cpu', intraOpThreads: 1 }).catch((e: unknown) => e as ModelError);

  it('names a missing folder, a missing file, a bad card and a corrupt graph', async () => {
    const missing = await open('/no/such/landmarks');
    expect(missing).toBeInstanceOf(ModelError);
    expect((missing as ModelError).code).toBe('LANDMARKS_NOT_FOUND');
    const dir = mkdtempSync(join(tmpdir(), 'lm68-'));
    expect(((await open(dir)) as ModelError).code).toBe('LANDMARKS_MISSING_FILE');
    writeFileSync(join(dir, 'model.onnx'), 'not a model');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'x', version: '1', input: { size: 112 } }));
    const bad = (await open(dir)) as ModelError;
    expect(bad.code).toBe('LANDMARKS_BAD_CARD');
    expect(bad.message).toMatch(/input\.(layout|mean)/);
    const card = {
      name: 'x',
      version: '1',
      input: { size: 112, layout: 'NCHW', mean: [0, 0, 0], std: [1, 1, 1], colorOrder: 'RGB', range: 1 },
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(card));
    const corrupt = (await open(dir)) as ModelError;
    expect(corrupt.code).toBe('LANDMARKS_CORRUPT_ONNX');
    expect(corrupt.message).toContain(dir);
  });
});
