/**
 * Yardstick report: per-AU AUC/F1 of the mesh estimator (on the detector meshes stored with the yardstick)
 * and of the peers' expression outputs (face-api live; human's emotion model as recorded when the meshes
 * were dumped). `npx tsx src/eval/yardstick-report.ts` prints the tables of docs/au-evidence.md.
 * The mesh estimator is scored as production runs it: `MeshAuEstimator.estimate` on observations carrying
 * the stored mesh and the aligned crop cut from the source photo with the production alignment.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  EXPRESSIONS_DIR,
  FaceExpressions,
  LANDMARKS68_DIR,
  Landmarks68,
  MeshAuEstimator,
  meshAus,
} from '../classify/index.js';
import { faceApiExpressions, type LabelledFace, loadYardstick, resolveImage } from '../dataset/index.js';
import { alignFace } from '../detect/index.js';
import { decodeImage } from '../ingest/index.js';
import type { AuVector, FaceObservation, RgbImage } from '../types.js';
import { type AuScore, scoreYardstick } from './yardstick.js';

export const MESH_FIXTURE = 'test/fixtures/meshes/real-faces.json';

interface MeshFixture {
  readonly detector: string;
  readonly faces: readonly {
    readonly id: string;
    readonly mesh: readonly number[];
    readonly peers?: { readonly humanEmotion?: Readonly<Record<string, number>> };
  }[];
}

/** Peer expressions mapped to the AUs they stand for: happy → AU12 (and AU6), surprise → AU1+AU2+AU26. */
function peerScores(e: Readonly<Record<string, number>> | undefined): Record<string, number> {
  const happy = e?.happy ?? 0;
  const surprise = e?.surprised ?? e?.surprise ?? 0;
  return { AU12: happy, AU6: happy, 'AU1+AU2+AU26': surprise, AU26: surprise, AU25: surprise };
}

/** Yardstick subsets: full-resolution photo faces, the ~100 px thumbnail grid, and everything. */
export const SUBSETS: Readonly<Record<string, (f: LabelledFace) => boolean>> = {
  photos: (f) => !f.image.includes('screenshot-facematch'),
  thumbnails: (f) => f.image.includes('screenshot-facematch'),
  all: () => true,
};

export type SubsetScores = Readonly<Record<string, AuScore[]>>;

/**
 * One observation per yardstick face that has a stored mesh, as the classify stage receives it: the
 * detector mesh from the fixture and the aligned crop (`cropSize`, production alignment) cut from the
 * decoded source photo. Keyed by face id.
 */
export async function yardstickObservations(
  faces: readonly LabelledFace[],
  cropSize = 112,
  fixture = MESH_FIXTURE,
): Promise<Map<string, FaceObservation>> {
  const fx = JSON.parse(await readFile(fixture, 'utf8')) as MeshFixture;
  const meshes = new Map(fx.faces.map((f) => [f.id, f.mesh]));
  const images = new Map<string, RgbImage>();
  const out = new Map<string, FaceObservation>();
  let seq = 0;
  for (const f of faces) {
    const m = meshes.get(f.id);
    if (!m) continue;
    let img = images.get(f.image);
    if (!img) {
      img = await decodeImage(resolveImage(f.image));
      images.set(f.image, img);
    }
    const mesh = Float32Array.from(m);
    const [x, y, w, h] = f.box;
    out.set(f.id, {
      streamId: 'yardstick',
      seq,
      ptsMs: 0,
      decodedAt: 0,
      trackId: seq++,
      box: { x, y, w, h },
      score: 1,
      mesh,
      detected: true,
      crop: alignFace(img, mesh, cropSize),
    });
  }
  return out;
}

/**
 * Per-face AU vectors of the production mesh estimator on the yardstick observations: mesh + crop + the
 * 68-point net's lip reading + the expression net's `happy` (`landmarks: false` / `expressions: false`: without
 * that net).
 */
export async function meshEstimatorScores(
  obs: ReadonlyMap<string, FaceObservation>,
  opts: { readonly landmarks?: boolean; readonly expressions?: boolean } = {},
): Promise<Map<string, AuVector>> {
  const landmarks = opts.landmarks === false ? undefined : await Landmarks68.open(LANDMARKS68_DIR);
  const expressions = opts.expressions === false ? undefined : await FaceExpressions.open(EXPRESSIONS_DIR);
  const est = new MeshAuEstimator({
    ...(landmarks ? { landmarks } : {}),
    ...(expressions ? { expressions } : {}),
  });
  const ids = [...obs.keys()];
  const aus = await est.estimate(ids.map((id) => obs.get(id) as FaceObservation));
  await est.close();
  return new Map(ids.map((id, i) => [id, aus[i] as AuVector]));
}

export interface YardstickReport {
  /**
   * The production estimator: mesh geometry, the crop's mouth appearance, the 68-point lip reading and the
   * expression net's `happy`.
   */
  readonly mesh: SubsetScores;
  /** The same without the expression net (mesh, mouth appearance, 68-point lips). */
  readonly meshLips: SubsetScores;
  /** Mesh geometry plus the crop's mouth appearance, without either net. */
  readonly meshCrop: SubsetScores;
  /** Mesh geometry only (`meshAus(mesh)`, as the pseudo-label builder calls it). */
  readonly meshGeometry: SubsetScores;
  readonly faceApi?: SubsetScores;
  readonly human: SubsetScores;
  readonly markdown: string;
}

function bySubset(
  faces: readonly LabelledFace[],
  score: (f: LabelledFace) => Readonly<Record<string, number>> | null,
  aus?: readonly string[],
): SubsetScores {
  const out: Record<string, AuScore[]> = {};
  for (const [name, keep] of Object.entries(SUBSETS))
    out[name] = scoreYardstick(faces.filter(keep), score, aus);
  return out;
}

/** One markdown table: a row per AU with labels, AUC and F1 per subset (AUs without labels are left out). */
export function subsetTable(title: string, s: SubsetScores): string {
  const names = Object.keys(s);
  const fmt = (v: number): string => (Number.isNaN(v) ? '–' : v.toFixed(2));
  const head = `| ${title} | ${names.map((n) => `${n}: pos/neg | AUC | F1`).join(' | ')} |`;
  const sep = `|---|${names.map(() => '---|---|---').join('|')}|`;
  const aus = (s[names[0] as string] ?? []).map((r) => r.au);
  const rows = aus
    .filter((au) => names.some((n) => (s[n]?.find((r) => r.au === au)?.positives ?? 0) > 0))
    .map((au) => {
      const cells = names.map((n) => {
        const r = s[n]?.find((x) => x.au === au);
        return r ? `${r.positives}/${r.negatives} | ${fmt(r.auc)} | ${fmt(r.f1)}` : '– | – | –';
      });
      return `| ${au} | ${cells.join(' | ')} |`;
    });
  return [head, sep, ...rows].join('\n');
}

export async function yardstickReport(
  opts: {
    readonly faceApi?: boolean;
    readonly fixture?: string;
    readonly agreed?: number;
    /**
     * Score only the faces the fixture has a mesh for (the detector found them); default: every labelled face,
     * a face without a mesh scoring 0 on every AU (counted as absent).
     */
    readonly foundOnly?: boolean;
  } = {},
): Promise<YardstickReport> {
  const labelled = await loadYardstick(undefined, opts.agreed);
  const fixture = opts.fixture ?? MESH_FIXTURE;
  const fx = JSON.parse(await readFile(fixture, 'utf8')) as MeshFixture;
  const byId = new Map(fx.faces.map((f) => [f.id, f]));
  const y = opts.foundOnly ? { faces: labelled.faces.filter((f) => byId.has(f.id)) } : labelled;
  const obs = await yardstickObservations(y.faces, 112, fixture);
  const prod = await meshEstimatorScores(obs);
  const mesh = bySubset(y.faces, (f) => prod.get(f.id) ?? null);
  const lipsOnly = await meshEstimatorScores(obs, { expressions: false });
  const meshLips = bySubset(y.faces, (f) => lipsOnly.get(f.id) ?? null);
  const noNet = await meshEstimatorScores(obs, { landmarks: false, expressions: false });
  const meshCrop = bySubset(y.faces, (f) => noNet.get(f.id) ?? null);
  const meshGeometry = bySubset(y.faces, (f) => {
    const m = byId.get(f.id)?.mesh;
    return m ? meshAus(m) : null;
  });
  const peerAus = ['AU6', 'AU12', 'AU25', 'AU26', 'AU1+AU2+AU26'];
  const human = bySubset(y.faces, (f) => peerScores(byId.get(f.id)?.peers?.humanEmotion), peerAus);
  let faceApi: SubsetScores | undefined;
  if (opts.faceApi !== false) {
    const score = await faceApiExpressions();
    const got = new Map<string, Record<string, number>>();
    for (const f of y.faces) got.set(f.id, peerScores(await score(f)));
    faceApi = bySubset(y.faces, (f) => got.get(f.id) ?? null, peerAus);
  }
  const parts = [
    subsetTable('mesh estimator (mesh + crop + 68-point lips + expression net)', mesh),
    subsetTable('mesh + crop + 68-point lips (no expression net)', meshLips),
    subsetTable('mesh + crop (no crop nets)', meshCrop),
    subsetTable('mesh geometry only', meshGeometry),
    ...(faceApi ? [subsetTable('face-api expressions', faceApi)] : []),
    subsetTable('human emotion', human),
  ];
  return {
    mesh,
    meshLips,
    meshCrop,
    meshGeometry,
    human,
    ...(faceApi ? { faceApi } : {}),
    markdown: parts.join('\n\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // npx tsx src/eval/yardstick-report.ts [MESH_FIXTURE.json] [--agreed N] [--found-only]
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { agreed: { type: 'string', default: '1' }, 'found-only': { type: 'boolean', default: false } },
  });
  const agreed = Number(values.agreed);
  if (!Number.isInteger(agreed) || agreed < 1) {
    console.error(`yardstick-report: --agreed must be a whole number ≥ 1, got "${values.agreed}"`);
    process.exit(2);
  }
  const foundOnly = values['found-only'] === true;
  yardstickReport({ ...(positionals[0] ? { fixture: positionals[0] } : {}), agreed, foundOnly }).then((r) =>
    console.log(r.markdown),
  );
}
