/**
 * `aupipe eval --frames FILE`: the labelled clips of the video-frame yardstick through the production stream
 * pipeline (per-track baselines as in `run`), scored per AU against the hand labels (src/eval/frames.ts).
 * With `--student-folds DIR`, each person's clips are read with the mesh student trained and calibrated without
 * that person (`DIR/<person>/`, written by `python3 -m training student --folds-out DIR`): out of sample by person.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPipelineDeps } from '../compose.js';
import { ConfigError } from '../errors.js';
import {
  type FrameLabels,
  type FrameScores,
  formatFrameScores,
  frameLabelsSchema,
  scoreFrames,
  type TimedAus,
} from '../eval/index.js';
import { type PipelineDeps, streamPipeline } from '../pipeline.js';
import { configFrom } from './common.js';

export interface EvalFramesOptions {
  readonly frames: string;
  readonly media: string;
  readonly studentFolds?: string;
  readonly json?: boolean;
  readonly config?: string;
  readonly logLevel?: string;
  readonly flags: Record<string, unknown>;
}

export function readFrameLabels(path: string): FrameLabels {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError('CONFIG_INVALID', `${path}: not readable JSON (${(e as Error).message})`);
  }
  const parsed = frameLabelsSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(
      'CONFIG_INVALID',
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** AU samples of one clip, in order (its own stream id, so no per-track baseline is shared between clips). */
async function clipSamples(deps: PipelineDeps, clip: string, path: string): Promise<TimedAus[]> {
  const out: TimedAus[] = [];
  await new Promise<void>((done, fail) => {
    streamPipeline(`eval:${clip}`, { kind: 'file', path }, deps).subscribe({
      next: (m) => {
        if (m.type === 'au') out.push({ ptsMs: m.ptsMs, trackId: m.trackId, au: m.au });
      },
      error: fail,
      complete: done,
    });
  });
  return out;
}

/**
 * Runs every labelled clip as a stream and scores them: one set of models for all clips, or with
 * `studentFolds` one per person (that person's fold student).
 */
export async function evalFrames(
  o: EvalFramesOptions,
  log: (m: string) => void = (m) => process.stderr.write(`${m}\n`),
) {
  const labels = readFrameLabels(o.frames);
  const base = configFrom(o, o.flags);
  const clips = [...new Set(labels.frames.filter((f) => Object.keys(f.labels).length).map((f) => f.clip))];
  const personOf = new Map(labels.frames.map((f) => [f.clip, f.person]));
  const groups = new Map<string, string[]>();
  for (const clip of clips) {
    const path = resolve(o.media, clip);
    if (!existsSync(path))
      throw new ConfigError('CONFIG_INVALID', `${path}: labelled clip not found (--media)`);
    const key = o.studentFolds ? (personOf.get(clip) as string) : '';
    groups.set(key, [...(groups.get(key) ?? []), clip]);
  }
  const samples = new Map<string, TimedAus[]>();
  for (const [person, group] of groups) {
    let config = base;
    if (o.studentFolds) {
      const dir = join(o.studentFolds, person);
      if (!existsSync(join(dir, 'model.json')))
        throw new ConfigError('CONFIG_INVALID', `${dir}: no fold student for person ${person}`);
      config = { ...base, classify: { ...base.classify, estimator: 'mesh', studentModel: dir } };
    }
    const deps = await createPipelineDeps(config);
    try {
      for (const clip of group) {
        const t0 = performance.now();
        samples.set(clip, await clipSamples(deps, clip, resolve(o.media, clip)));
        log(
          `${clip}: ${samples.get(clip)?.length} AU samples, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      await deps.close();
    }
  }
  return scoreFrames(labels, samples);
}

export async function evalFramesCommand(o: EvalFramesOptions): Promise<number> {
  const scores: FrameScores = await evalFrames(o);
  const title = `video-frame yardstick ${o.frames}${o.studentFolds ? ` (fold students ${o.studentFolds})` : ''}`;
  if (o.json) {
    process.stdout.write(`${JSON.stringify(scores, (_, v) => (Number.isNaN(v) ? null : v), 2)}\n`);
    process.stderr.write(`${formatFrameScores(scores, title)}\n`);
  } else process.stdout.write(`${formatFrameScores(scores, title)}\n`);
  return 0;
}
