import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EXPRESSION_AUS,
  EXPRESSION_WEIGHT,
  EXPRESSIONS_DIR,
  FaceExpressions,
  LANDMARKS68_DIR,
  Landmarks68,
  lipMeasures68,
  MeshAuEstimator,
  meshAus,
  mouthAppearance,
  PROTOTYPE_AUS,
  prototypeEvidence,
} from '../../src/classify/mesh/index.js';
import { loadYardstick } from '../../src/dataset/index.js';
import { faceApiExpressionNet } from '../../src/dataset/peers.js';
import { ModelError } from '../../src/errors.js';
import { yardstickObservations } from '../../src/eval/index.js';
import { type AlignedCrop, AU_KEYS, type FaceObservation } from '../../src/types.js';

const MESH = JSON.parse(readFileSync('test/fixtures/meshes/real-faces.json', 'utf8')) as {
  faces: { id: string; mesh: number[] }[];
};
const meshOf = (id: string) => Float32Array.from(MESH.faces.find((f) => f.id === id)?.mesh ?? []);
/** Log-odds with the estimator's clamp (probabilities within [1e-4, 1 - 1e-4]). */
const logit = (p: number) => {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
};

describe('meshAus with the expression net’s happy (pure)', () => {
  const mesh = meshOf('sample3-3');
  const base = meshAus(mesh);

  it('moves AU6 and AU12 only, by the log-odds mean of the mesh value and happy', () => {
    for (const happy of [0.02, 0.3, 0.9]) {
      const v = meshAus(mesh, { expressions: { happy, neutral: 1 - happy } });
      for (const k of AU_KEYS) {
        if ((EXPRESSION_AUS as readonly string[]).includes(k)) {
          const want = (1 - EXPRESSION_WEIGHT) * logit(base[k]) + EXPRESSION_WEIGHT * logit(happy);
          expect(logit(v[k]), `${k} at happy ${happy}`).toBeCloseTo(want, 6);
        } else expect(v[k], k).toBe(base[k]);
      }
    }
  });

  it('rises with happy; agrees with the mesh where happy says the same; ignores a missing or NaN happy', () => {
    const at = (happy: number) => meshAus(mesh, { expressions: { happy } });
    expect(at(0.1).AU12).toBeLessThan(at(0.5).AU12);
    expect(at(0.5).AU12).toBeLessThan(at(0.99).AU12);
    expect(at(base.AU12).AU12).toBeCloseTo(base.AU12, 9);
    expect(meshAus(mesh, { expressions: { neutral: 1 } })).toEqual(base);
    expect(meshAus(mesh, { expressions: { happy: Number.NaN } })).toEqual(base);
  });

  it('the other expressions are evidence for their EMFACS prototype AUs, summed, and for nothing else', () => {
    const e = {
      neutral: 0.1,
      happy: 0.05,
      sad: 0.5,
      angry: 0.05,
      fearful: 0.2,
      disgusted: 0.05,
      surprised: 0.05,
    };
    const ev = prototypeEvidence(e);
    expect(ev.AU4).toBeCloseTo(0.5 + 0.2 + 0.05, 12); // sad + fearful + angry
    expect(ev.AU1).toBeCloseTo(0.5 + 0.2 + 0.05, 12); // sad + fearful + surprised
    expect(ev.AU15).toBeCloseTo(0.5 + 0.05, 12); // sad + disgusted
    expect(ev.AU12).toBeUndefined(); // happy has its own mix
    expect(ev.AU25).toBeUndefined();
    expect(ev.AU26).toBeUndefined();
    const v = meshAus(mesh, { expressions: e });
    for (const k of AU_KEYS) {
      const p = ev[k];
      if (p !== undefined) {
        const want = (1 - EXPRESSION_WEIGHT) * logit(base[k]) + EXPRESSION_WEIGHT * logit(p);
        expect(logit(v[k]), k).toBeCloseTo(want, 6);
      } else if (!(EXPRESSION_AUS as readonly string[]).includes(k)) expect(v[k], k).toBe(base[k]);
    }
    // a sad face reads AU15 and AU4 higher than a surprised one; the surprised one AU2 and AU5
    const sad = meshAus(mesh, { expressions: { neutral: 0, sad: 0.95, surprised: 0.05 } });
    const surprised = meshAus(mesh, { expressions: { neutral: 0, sad: 0.05, surprised: 0.95 } });
    expect(sad.AU15).toBeGreaterThan(surprised.AU15);
    expect(sad.AU4).toBeGreaterThan(surprised.AU4);
    expect(surprised.AU2).toBeGreaterThan(sad.AU2);
    expect(surprised.AU5).toBeGreaterThan(sad.AU5);
    expect(prototypeEvidence({ sad: Number.NaN, happy: 1 })).toEqual({});
  });

  it('a saturated softmax does not decide alone: happy 1e-12 and 1e-4 read the same', () => {
    expect(meshAus(mesh, { expressions: { happy: 1e-12 } }).AU12).toBe(
      meshAus(mesh, { expressions: { happy: 1e-4 } }).AU12,
    );
    // …and a confident mesh still outranks a face the mesh reads as neutral when both have happy ~0
    const smile = meshAus(meshOf('sample3-1'));
    const flat = meshAus(meshOf('sample4-1'));
    const h = { expressions: { happy: 1e-9 } };
    expect(Math.sign(meshAus(meshOf('sample3-1'), h).AU12 - meshAus(meshOf('sample4-1'), h).AU12)).toBe(
      Math.sign(smile.AU12 - flat.AU12),
    );
  });
});

describe('the expression net on real aligned crops', () => {
  let net: FaceExpressions;
  let obs: Map<string, FaceObservation>;
  const ids = ['sample1-2', 'sample2-1', 'sample3-3', 'sample4-1', 'screenshot-facematch-58', 'messi5-1'];

  beforeAll(async () => {
    net = await FaceExpressions.open(EXPRESSIONS_DIR, { provider: 'cpu', intraOpThreads: 1 });
    obs = await yardstickObservations((await loadYardstick()).faces.filter((f) => ids.includes(f.id)));
  }, 60_000);
  afterAll(async () => net.close());

  it("gives face-api's own tfjs probabilities on the same crops (the ONNX export is the same model)", async () => {
    const faceApi = await faceApiExpressionNet();
    const crops = ids.map((id) => obs.get(id)?.crop as AlignedCrop);
    const ours = await net.expressions(crops);
    expect(net.labels).toEqual(['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised']);
    for (const [k, c] of crops.entries()) {
      const ref = await faceApi(c);
      for (const l of net.labels) expect(ours[k]?.[l], `${ids[k]} ${l}`).toBeCloseTo(ref[l] as number, 4);
      const sum = Object.values(ours[k] ?? {}).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    // Not all saturated: the comparison covers mid-range probabilities too.
    expect(ours.some((e) => Object.values(e).some((p) => p > 0.05 && p < 0.95))).toBe(true);
  }, 60_000);

  it('reads the laughing and smiling faces as happier than the neutral ones', async () => {
    const e = await net.expressions(ids.map((id) => obs.get(id)?.crop as AlignedCrop));
    const happy = Object.fromEntries(ids.map((id, k) => [id, e[k]?.happy ?? Number.NaN]));
    // sample1-2 laughs and screenshot-facematch-58 smiles with teeth (all three annotators: AU12);
    // sample4-1 and messi5-1 do not smile (all three: AU12 absent).
    for (const smile of ['sample1-2', 'screenshot-facematch-58'])
      for (const flat of ['sample4-1', 'messi5-1']) expect(happy[smile]).toBeGreaterThan(happy[flat]! + 0.3);
  });

  it('the mesh estimator averages its happy into AU6 and AU12, runs it on detections only when asked, and closes it', async () => {
    const f = obs.get('sample1-2') as FaceObservation;
    const flat = obs.get('sample4-1') as FaceObservation;
    const local = await FaceExpressions.open(EXPRESSIONS_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const lips = await Landmarks68.open(LANDMARKS68_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const calls = vi.spyOn(local, 'expressions');
    const est = new MeshAuEstimator({ expressions: local, landmarks: lips, cropNetsOnDetections: true });
    const at = (o: FaceObservation, detected: boolean) => ({ ...o, streamId: 's', trackId: 1, detected });
    const [a] = await est.estimate([at(f, true)]);
    const [plain] = await new MeshAuEstimator({ landmarks: lips }).estimate([f]);
    const [e] = await net.expressions([f.crop]);
    const lips68 = lipMeasures68((await lips.landmarks([f.crop]))[0]!);
    expect(a).toEqual(meshAus(f.mesh, { mouth: mouthAppearance(f.crop, f.mesh), lips68, expressions: e! }));
    // the expressions move AU6/AU12 (happy) and their EMFACS prototypes' AUs, nothing else (AU25, AU26, ...)
    const moved = new Set<string>([...EXPRESSION_AUS, ...PROTOTYPE_AUS]);
    for (const k of AU_KEYS) if (!moved.has(k)) expect(a![k], k).toBe(plain![k]);
    expect(moved.has('AU25') || moved.has('AU26')).toBe(false);
    expect(e!.happy).toBeGreaterThan(0.5); // sample1-2 laughs: happy pulls AU12 up
    expect(a!.AU12).toBeGreaterThan(plain!.AU12);
    // followed (not detected) while the crop shows another face: the nets do not run again, their readings
    // carry over; the mesh and mouth terms follow the new face
    const [followed] = await est.estimate([at(flat, false)]);
    expect(calls).toHaveBeenCalledTimes(1);
    expect(followed).toEqual(
      meshAus(flat.mesh, { mouth: mouthAppearance(flat.crop, flat.mesh), lips68, expressions: e! }),
    );
    await est.estimate([at(flat, true)]);
    expect(calls).toHaveBeenCalledTimes(2);
    await est.close();
    await expect(local.expressions([f.crop])).rejects.toThrow(/closed/);
  }, 60_000);

  it('reusing crop-net readings gives the same bytes whatever the batching (issue #18: same input, same output)', async () => {
    const f = obs.get('sample1-2') as FaceObservation;
    const flat = obs.get('sample4-1') as FaceObservation;
    const mk = () =>
      Promise.all([
        FaceExpressions.open(EXPRESSIONS_DIR, { provider: 'cpu', intraOpThreads: 1 }),
        Landmarks68.open(LANDMARKS68_DIR, { provider: 'cpu', intraOpThreads: 1 }),
      ]).then(
        ([expressions, landmarks]) =>
          new MeshAuEstimator({ expressions, landmarks, cropNetsOnDetections: true }),
      );
    // One track, detected every third frame, the face changing in between (as in a stream).
    const seq = Array.from({ length: 9 }, (_, i) => ({
      ...(i % 2 ? flat : f),
      streamId: 's',
      trackId: 1,
      seq: i,
      detected: i % 3 === 0,
    })) as FaceObservation[];
    const results: string[] = [];
    for (const split of [9, 1, 2, 4]) {
      const est = await mk();
      const out = [];
      for (let i = 0; i < seq.length; i += split) out.push(...(await est.estimate(seq.slice(i, i + split))));
      results.push(JSON.stringify(out));
      await est.close();
    }
    for (const r of results) expect(r).toBe(results[0]);
  }, 60_000);
});

describe('FaceExpressions.open: clear errors', () => {
  const open = (dir: string) =>
    FaceExpressions.open(dir, { provider: 'cpu', intraOpThreads: 1 }).catch((e: unknown) => e as ModelError);
  const folder = (card: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'expr-'));
    copyFileSync(join(EXPRESSIONS_DIR, 'model.onnx'), join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(card));
    return dir;
  };
  const card = JSON.parse(readFileSync(join(EXPRESSIONS_DIR, 'model.json'), 'utf8')) as {
    output: Record<string, unknown>;
  };

  it('names a missing folder, a card without labels or without happy, and labels that do not fit the graph', async () => {
    const missing = await open('/no/such/expressions');
    expect(missing).toBeInstanceOf(ModelError);
    expect((missing as ModelError).code).toBe('EXPRESSIONS_NOT_FOUND');
    expect((missing as ModelError).message).toContain('expression model');
    const noLabels = (await open(folder({ ...card, output: { name: 'probabilities' } }))) as ModelError;
    expect(noLabels.code).toBe('EXPRESSIONS_BAD_CARD');
    expect(noLabels.message).toMatch(/output\.labels/);
    const labels = ['neutral', 'glad', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
    const noHappy = (await open(folder({ ...card, output: { ...card.output, labels } }))) as ModelError;
    expect(noHappy.code).toBe('EXPRESSIONS_BAD_CARD');
    expect(noHappy.message).toMatch(/happy/);
    const eight = [...(card.output.labels as string[]), 'contempt'];
    const wide = (await open(folder({ ...card, output: { ...card.output, labels: eight } }))) as ModelError;
    expect(wide.code).toBe('EXPRESSIONS_SHAPE_MISMATCH');
    expect(wide.message).toMatch(/8 values/);
  });
});
