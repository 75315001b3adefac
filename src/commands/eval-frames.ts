/**
 * `aupipe eval --frames FILE`: the labelled clips of the video-frame yardstick through the production stream
 * pipeline (per-track baselines as in `run`), scored per AU against the hand labels (src/eval/frames.ts).
 * With `--student-folds DIR`, each person's clips are read with the mesh student trained and calibrated without
 * that person (`DIR/<person>/`, written by `python3 -m training student --folds-out DIR`): out of sample by person.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPipelineDeps } from '../compose.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';
import {
  type FrameLabels,
  type FrameScores,
  formatFrameScores,
  frameLabelsSchema,
  scoreFrames,
  type TimedAus,
} from '../eval/index.js';
import { streamPipeline } from '../pipeline.js';
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

/** AU samples of one clip, in order. */
async function clipSamples(config: Config, path: string): Promise<TimedAus[]> {
  const deps = await createPipelineDeps(config);
  const out: TimedAus[] = [];
  try {
    await new Promise<void>((done, fail) => {
      streamPipeline('eval', { kind: 'file', path }, deps).subscribe({
        next: (m) => {
          if (m.type === 'au') out.push({ ptsMs: m.ptsMs, trackId: m.trackId, au: m.au });
        },
        error: fail,
        complete: done,
      });
    });
  } finally {
    await deps.close();
  }
  return out;
}

/** Runs every labelled clip (one pipeline per clip, so no baseline leaks between clips) and scores them. */
export async function evalFrames(o: EvalFramesOptions, log = (m: string) => process.stderr.write(`${m}\n`)) {
  const labels = readFrameLabels(o.frames);
  const base = configFrom(o, o.flags);
  const clips = [...new Set(labels.frames.filter((f) => Object.keys(f.labels).length).map((f) => f.clip))];
  const personOf = new Map(labels.frames.map((f) => [f.clip, f.person]));
  const samples = new Map<string, TimedAus[]>();
  for (const clip of clips) {
    const path = resolve(o.media, clip);
    if (!existsSync(path))
      throw new ConfigError('CONFIG_INVALID', `${path}: labelled clip not found (--media)`);
    let config = base;
    if (o.studentFolds) {
      const dir = join(o.studentFolds, personOf.get(clip) as string);
      if (!existsSync(join(dir, 'model.json')))
        throw new ConfigError('CONFIG_INVALID', `${dir}: no fold student for person ${personOf.get(clip)}`);
      config = { ...base, classify: { ...base.classify, estimator: 'mesh', studentModel: dir } };
    }
    const t0 = performance.now();
    samples.set(clip, await clipSamples(config, path));
    log(
      `${clip}: ${samples.get(clip)?.length} AU samples, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
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
