/**
 * Yardstick report: per-AU AUC/F1 of the mesh estimator (on the detector meshes stored with the yardstick)
 * and of the peers' expression outputs (face-api live; human's emotion model as recorded when the meshes
 * were dumped). `npx tsx src/dataset/yardstick-report.ts` prints the tables of docs/au-evidence.md.
 */
import { readFile } from 'node:fs/promises';
import { meshAus } from '../classify/mesh/index.js';
import { faceApiExpressions } from './peers.js';
import { type AuScore, loadYardstick, scoreYardstick, yardstickTable } from './yardstick.js';

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

export interface YardstickReport {
  readonly mesh: AuScore[];
  readonly faceApi?: AuScore[];
  readonly human: AuScore[];
  readonly markdown: string;
}

export async function yardstickReport(opts: { readonly faceApi?: boolean } = {}): Promise<YardstickReport> {
  const y = await loadYardstick();
  const fx = JSON.parse(await readFile(MESH_FIXTURE, 'utf8')) as MeshFixture;
  const byId = new Map(fx.faces.map((f) => [f.id, f]));
  const mesh = scoreYardstick(y.faces, (f) => {
    const m = byId.get(f.id)?.mesh;
    return m ? meshAus(m) : null;
  });
  const peerAus = ['AU6', 'AU12', 'AU25', 'AU26', 'AU1+AU2+AU26'];
  const human = scoreYardstick(y.faces, (f) => peerScores(byId.get(f.id)?.peers?.humanEmotion), peerAus);
  let faceApi: AuScore[] | undefined;
  if (opts.faceApi !== false) {
    const score = await faceApiExpressions();
    const got = new Map<string, Record<string, number>>();
    for (const f of y.faces) got.set(f.id, peerScores(await score(f)));
    faceApi = scoreYardstick(y.faces, (f) => got.get(f.id) ?? null, peerAus);
  }
  const parts = [
    yardstickTable('mesh estimator', mesh),
    ...(faceApi
      ? [yardstickTable('face-api expressions (happy → AU12/AU6, surprised → AU1+2+26/AU25/AU26)', faceApi)]
      : []),
    yardstickTable('human emotion (happy → AU12/AU6, surprise → AU1+2+26/AU25/AU26)', human),
  ];
  return { mesh, human, ...(faceApi ? { faceApi } : {}), markdown: parts.join('\n\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  yardstickReport().then((r) => console.log(r.markdown));
}
