import { analyzeImages } from '../analyze.js';
import { createModels } from '../compose.js';
import { loadRules, scoreRule } from '../emotion/index.js';
import { configFrom } from './common.js';

export interface AnalyzeCommandOptions {
  readonly images: readonly string[];
  readonly json?: boolean;
  readonly mesh?: boolean;
  readonly config?: string;
  readonly logLevel?: string;
  readonly flags: Record<string, unknown>;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * What a still's AUs are read against: a single image has no per-person baseline (`classify.baseline`, streams
 * only), so brows and lids are judged against the canonical neutral face and individual anatomy can read as an AU.
 */
export const STILL_AU_REFERENCE = 'canonical' as const;
const STILL_NOTE =
  'AUs of stills are read against the canonical neutral face: a single image has no per-person baseline (streams have one), so brow and lid AUs are less reliable here.';

/**
 * `aupipe analyze`: faces in still images with box, score, landmarks, AU probabilities (`AU1` … `AU26`)
 * and EMFACS emotion scores. Exit 0 when every file was read, 1 when any was not (the others are
 * still analysed and reported).
 */
export async function analyzeCommand(o: AnalyzeCommandOptions): Promise<number> {
  const config = configFrom(o, o.flags);
  const rules = loadRules(config.emotion.rules);
  // a still is scanned once for the faces the detector misses (detect.scanStills), whatever streams do
  const scan = config.detect.scanStills && config.detect.scanEvery === 0;
  const models = await createModels(
    scan ? { ...config, detect: { ...config.detect, scanEvery: 1 } } : config,
    {
      stills: true,
    },
  );
  const { detector, estimator } = models;
  try {
    const results = await analyzeImages(
      [...o.images],
      {
        detector,
        estimate: async (faces) =>
          (await estimator.estimate(faces)).map((au) =>
            Object.fromEntries(Object.entries(au).map(([k, v]) => [k, round(v)])),
          ),
      },
      { mesh: Boolean(o.mesh), cropSize: config.detect.cropSize },
    );
    const withEmotions = results.map((r) =>
      'faces' in r
        ? {
            ...r,
            faces: r.faces.map((f) => ({
              ...f,
              ...(f.au ? { auReference: STILL_AU_REFERENCE } : {}),
              emotions: f.au
                ? Object.fromEntries(
                    rules.map((rule) => [rule.name, round(scoreRule(rule, f.au ?? {}).score)]),
                  )
                : undefined,
            })),
          }
        : r,
    );
    if (o.json) process.stdout.write(`${JSON.stringify(withEmotions, null, 2)}\n`);
    else {
      process.stdout.write(`note: ${STILL_NOTE}\n`);
      for (const r of withEmotions) {
        if ('error' in r) {
          process.stdout.write(`${r.file}: error ${r.error.code}: ${r.error.message}\n`);
          continue;
        }
        process.stdout.write(`${r.file}: ${r.faces.length} face(s)\n`);
        for (const f of r.faces) {
          const top = Object.entries(f.au ?? {})
            .filter(([, p]) => p >= 0.5)
            .map(([k]) => k)
            .join(' ');
          const emo = Object.entries(f.emotions ?? {}).sort((a, b) => b[1] - a[1])[0];
          process.stdout.write(
            `  box [${f.box.join(', ')}] score ${f.score.toFixed(2)}  AUs: ${top || '-'}  top emotion: ${emo ? `${emo[0]} ${emo[1]}` : '-'}\n`,
          );
        }
      }
    }
    return results.some((r) => 'error' in r) ? 1 : 0;
  } finally {
    await models.close();
  }
}
