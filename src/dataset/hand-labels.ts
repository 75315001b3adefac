/**
 * The real-world yardstick's data: hand-labelled real faces (test/fixtures/real-faces.json; 1 clearly
 * present, 0 clearly absent, unsure left out). Scoring against them is src/eval/yardstick.ts.
 * Each face keeps every annotator's labels (`annotations`, made blind to each other and to every
 * estimator); `labels`, the ones scored, are their consensus (`consensusLabels`).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { AU_KEYS, type AuKey, type Box } from '../types.js';

export interface LabelledFace {
  readonly id: string;
  /** Image path: relative to the repository root, or absolute for Debian-packaged images. */
  readonly image: string;
  /** [x, y, w, h] in source-image pixels, from the detector that found the face. */
  readonly box: readonly [number, number, number, number];
  readonly subject: string;
  /** The scored labels: `consensusLabels(annotations)`. */
  readonly labels: AuLabels;
  /** Each annotator's own labels, by annotator id. */
  readonly annotations?: Readonly<Record<string, AuLabels>>;
  readonly note?: string;
}

export type AuLabels = Readonly<Partial<Record<AuKey, 0 | 1>>>;

/** A face's annotations; a face stored with labels only counts as one annotator's (`first`). */
export function annotationsOf(f: LabelledFace): Readonly<Record<string, AuLabels>> {
  return f.annotations ?? { first: f.labels };
}

/**
 * Labels no annotator contradicts: an AU is labelled when at least one annotator marked it and every
 * annotator who marked it agrees; where they disagree the face is not clearly anything, so it is left out.
 */
export function consensusLabels(annotations: Readonly<Record<string, AuLabels>>): AuLabels {
  return agreedLabels(annotations, 1);
}

/**
 * The stricter view for sensitivity checks: an AU labelled only where at least `min` annotators marked it,
 * all alike (`min` 1 is `consensusLabels`).
 */
export function agreedLabels(annotations: Readonly<Record<string, AuLabels>>, min: number): AuLabels {
  const out: Partial<Record<AuKey, 0 | 1>> = {};
  for (const au of AU_KEYS) {
    const marks = Object.values(annotations).flatMap((a) => (a[au] === undefined ? [] : [a[au]]));
    if (marks.length >= min && new Set(marks).size === 1) out[au] = marks[0] as 0 | 1;
  }
  return out;
}

export interface Yardstick {
  readonly version: 1;
  readonly faces: readonly LabelledFace[];
}

export const YARDSTICK_PATH = 'test/fixtures/real-faces.json';

/**
 * Loads the yardstick. `agreed` > 1 scores only the AUs that many annotators marked alike (`agreedLabels`), a
 * sensitivity check against contested calls; default: the consensus labels as stored.
 */
export async function loadYardstick(file = YARDSTICK_PATH, agreed = 1): Promise<Yardstick> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as Yardstick;
  if (doc.version !== 1 || !Array.isArray(doc.faces)) {
    throw new ConfigError('YARDSTICK_INVALID', `${file}: not a version-1 real-faces file`);
  }
  if (agreed <= 1) return doc;
  return {
    ...doc,
    faces: doc.faces.map((f) => ({
      ...f,
      labels: agreedLabels(annotationsOf(f), agreed),
    })),
  };
}

/** Absolute path of a yardstick image (or file): the photo sources' resolver, relative to the package root. */
export { resolvePhoto as resolveImage } from './sources.js';

export function boxOf(face: LabelledFace): Box {
  const [x, y, w, h] = face.box;
  return { x, y, w, h };
}
