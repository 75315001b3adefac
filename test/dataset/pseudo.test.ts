import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import {
  buildPseudoDataset,
  findFaces,
  type PhotoSource,
  readDataset,
  subjectFolds,
} from '../../src/dataset/index.js';
import { createFaceDetector, type FaceDetector } from '../../src/detect/index.js';
import { decodeImage } from '../../src/ingest/image.js';

const PHOTOS: PhotoSource[] = [
  { path: 'node_modules/@vladmandic/face-api/demo/sample3.jpg', tile: 0, identity: 'face' },
];
let detector: FaceDetector;
let root = '';

beforeAll(async () => {
  detector = await createFaceDetector(configSchema.parse({}).detect);
  root = await mkdtemp(path.join(tmpdir(), 'aupipe-pseudo-'));
}, 60_000);
afterAll(async () => {
  await detector?.close();
  await rm(root, { recursive: true, force: true });
});

async function bytesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of ['labels.csv', ...(await readdir(path.join(dir, 'crops'))).map((c) => `crops/${c}`)]) {
    out.set(f, await readFile(path.join(dir, f)));
  }
  return out;
}

describe('dataset pseudo', () => {
  it('same seed, same bytes; another seed, other augmentations; labels from re-detected meshes', async () => {
    const run = (out: string, seed: number) =>
      buildPseudoDataset({ out: path.join(root, out), seed, augment: 2, detector, photos: PHOTOS });
    const a = await run('a', 7);
    const b = await run('b', 7);
    expect(b.samples).toBe(a.samples);
    const c = await run('c', 8);
    expect(c.faces).toBe(a.faces);
    expect(a.faces).toBe(3);
    expect(a.samples + a.lostOnRedetect).toBe(9);
    const ba = await bytesOf(path.join(root, 'a'));
    const bb = await bytesOf(path.join(root, 'b'));
    expect([...ba.keys()]).toEqual([...bb.keys()]);
    for (const [k, v] of ba) expect(v.equals(bb.get(k) as Buffer), k).toBe(true);
    const bc = await bytesOf(path.join(root, 'c'));
    const augmented = [...ba.keys()].filter((k) => /-a[12]\.png$/.test(k) && bc.has(k));
    expect(augmented.length).toBeGreaterThan(0);
    expect(augmented.some((k) => !(ba.get(k) as Buffer).equals(bc.get(k) as Buffer))).toBe(true);
    // Base crops (a0) do not depend on the seed.
    expect(
      (ba.get('crops/sample3-1-a0.png') as Buffer).equals(bc.get('crops/sample3-1-a0.png') as Buffer),
    ).toBe(true);
    // Augmented labels are measured again on the new mesh: they differ from the base face's labels.
    const ds = await readDataset(path.join(root, 'a'));
    const base = ds.rows.find((r) => r.file === 'crops/sample3-1-a0.png');
    const aug = ds.rows.filter((r) => r.subject === base?.subject && r !== base);
    expect(aug.length).toBeGreaterThan(0);
    expect(aug.some((r) => r.labels.AU12 !== base?.labels.AU12)).toBe(true);
  }, 120_000);

  it('identities never cross folds: every variant of a face keeps its subject', async () => {
    const ds = await readDataset(path.join(root, 'a'));
    const folds = subjectFolds(ds.rows, 3, 1);
    const bySubject = new Map<string, Set<number>>();
    for (const [i, r] of ds.rows.entries()) {
      bySubject.set(r.subject, (bySubject.get(r.subject) ?? new Set()).add(folds[i] as number));
    }
    expect(bySubject.size).toBe(3);
    for (const s of bySubject.values()) expect(s.size).toBe(1);
    for (const r of ds.rows) expect(r.source.startsWith(`${PHOTOS[0]?.path}#`)).toBe(true);
  });

  it('tiles find the small faces of a photo grid that the whole-image pass misses', async () => {
    const img = await decodeImage('node_modules/@vladmandic/human/assets/screenshot-facematch.jpg');
    const whole = await findFaces(detector, img);
    const tiled = await findFaces(detector, img, 480);
    expect(tiled.length).toBeGreaterThan(whole.length + 20);
    for (const f of tiled) expect(f.box.w).toBeGreaterThan(16);
  }, 120_000);
});
