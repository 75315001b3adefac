import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { PACKAGE_ROOT } from '../config/index.js';
import { ModelError } from '../errors.js';
import { AU_KEYS, type AuKey } from '../types.js';
import { cardSchema, type ModelCard, parseCard } from './card.js';

export { cardSchema, type ModelCard } from './card.js';

/** A validated bundle: the card, the ONNX bytes, and where each model output goes in `AU_KEYS` order. */
export interface ModelBundle {
  readonly dir: string;
  readonly card: ModelCard;
  readonly onnxPath: string;
  /** `outputIndex[k]` = index of `AU_KEYS[k]` in the model's output row, or -1 when the model lacks it. */
  readonly outputIndex: readonly number[];
  readonly aus: readonly AuKey[];
  readonly thresholds: Readonly<Partial<Record<AuKey, number>>>;
  /** True when the graph outputs logits and the classifier must apply the sigmoid. */
  readonly logits: boolean;
}

const fail = (dir: string, code: string, problem: string, cause?: unknown): never => {
  throw new ModelError(code, `model bundle ${dir}: ${problem}`, cause === undefined ? undefined : { cause });
};

/** Accepts `AU12`, `au12`, `AU 12`, `12`: cards written by other tools name AUs loosely. */
export function auKeyOf(name: string): AuKey | undefined {
  const m = /^\s*(?:au)?\s*0*(\d+)\s*$/i.exec(name);
  const key = m ? `AU${m[1]}` : '';
  return (AU_KEYS as readonly string[]).includes(key) ? (key as AuKey) : undefined;
}

/** Alignment template ids the detect stage knows: `config/alignment/*.json` (its `id`, else the file name). */
export function knownAlignmentTemplates(dir = join(PACKAGE_ROOT, 'config', 'alignment')): string[] {
  if (!existsSync(dir)) return [];
  const ids: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    ids.push(basename(f, '.json'));
    try {
      const id = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id?: unknown }).id;
      if (typeof id === 'string') ids.push(id);
    } catch {
      // a malformed template is detect's problem; its file name still names it
    }
  }
  return [...new Set(ids)];
}

/** A model folder: a relative path is looked up from the working directory, then from the package. */
export function resolveModelDir(dirIn: string): { dir: string; tried: string } {
  const tries = isAbsolute(dirIn) ? [dirIn] : [resolve(dirIn), join(PACKAGE_ROOT, dirIn)];
  return { dir: tries.find((d) => existsSync(d)) ?? tries[0]!, tried: tries.join(' or ') };
}

/** Reads `dir/model.json` against `schema`; a problem comes back as text, for the caller's error code. */
export function readCard<S extends z.ZodType>(
  dir: string,
  schema: S,
): { card: z.infer<S> } | { problem: string; cause?: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  } catch (e) {
    return { problem: `model.json is not valid JSON (${(e as Error).message})`, cause: e };
  }
  return parseCard(raw, schema);
}

export interface LoadBundleOptions {
  /** Alignment template ids to accept; default: `knownAlignmentTemplates()`. */
  readonly knownTemplates?: readonly string[];
}

/** Reads and validates `model.json` (the ONNX graph itself is checked when the session opens). */
export function loadBundle(dirIn: string, opts: LoadBundleOptions = {}): ModelBundle {
  const { dir, tried } = resolveModelDir(dirIn);
  if (!existsSync(dir)) fail(tried, 'BUNDLE_NOT_FOUND', 'no such folder');
  const cardPath = join(dir, 'model.json');
  const onnxPath = join(dir, 'model.onnx');
  if (!existsSync(cardPath)) fail(dir, 'BUNDLE_MISSING_FILE', 'missing model.json');
  if (!existsSync(onnxPath)) fail(dir, 'BUNDLE_MISSING_FILE', 'missing model.onnx');
  const read = readCard(dir, cardSchema);
  if ('problem' in read) return fail(dir, 'BUNDLE_BAD_CARD', read.problem, read.cause);
  const card = read.card;
  const aus = card.aus.map((a) => auKeyOf(a) ?? fail(dir, 'BUNDLE_UNKNOWN_AU', `unknown AU "${a}" in aus`));
  const dup = aus.find((a, i) => aus.indexOf(a) !== i);
  if (dup) fail(dir, 'BUNDLE_BAD_CARD', `AU ${dup} listed twice in aus`);
  const thresholds: Partial<Record<AuKey, number>> = {};
  for (const [name, t] of Object.entries(card.thresholds)) {
    const key = auKeyOf(name) ?? fail(dir, 'BUNDLE_UNKNOWN_AU', `unknown AU "${name}" in thresholds`);
    thresholds[key] = t;
  }
  const known = opts.knownTemplates ?? knownAlignmentTemplates();
  if (!known.includes(card.alignment)) {
    const list = known.length ? known.join(', ') : 'none found in config/alignment';
    fail(dir, 'BUNDLE_UNKNOWN_ALIGNMENT', `unknown alignment template "${card.alignment}" (known: ${list})`);
  }
  const outputIndex = AU_KEYS.map((k) => aus.indexOf(k));
  const logits = card.output?.activation === 'logits';
  return { dir, card, onnxPath, outputIndex, aus, thresholds, logits };
}
