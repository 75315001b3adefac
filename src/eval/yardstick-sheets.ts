/**
 * Blind annotation of the yardstick by another person (docs/au-evidence.md, "Hand-labelled yardstick").
 *
 *   npx tsx src/eval/yardstick-sheets.ts sheets --out DIR [--seed N]
 *     DIR/sheetNN.png: every yardstick face, shuffled, under a 3-digit code: its production-aligned crop
 *     (280 px, the stored mesh) and a 2.5x zoom on the mouth; DIR/labels.json: the form to fill in
 *     ({"faces": {"117": {"AU12": 1}, …}}); DIR/key/key.json: code -> face id, not for the annotator.
 *     No ids, labels or scores appear on the sheets.
 *   npx tsx src/eval/yardstick-sheets.ts merge --labels FILE --key FILE --name ID [--about TEXT]
 *     Adds the filled-in labels to test/fixtures/real-faces.json as annotator ID and recomputes every
 *     face's scored labels as the annotators' consensus (`consensusLabels`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AuLabels,
  annotationsOf,
  blit,
  consensusLabels,
  drawText,
  type LabelledFace,
  loadYardstick,
  seededRandom,
  YARDSTICK_PATH,
} from '../dataset/index.js';
import { warpAffine } from '../detect/index.js';
import { encodePng } from '../ingest/index.js';
import { AU_KEYS, type AuKey, type RgbImage } from '../types.js';
import { yardstickObservations } from './yardstick-report.js';

/** Face crop side; the mouth zoom is as wide. */
const CELL = 280;
/** The mouth in a production-aligned crop of side s: centred at (0.5 s, 0.7 s), 0.4 s wide. */
const MOUTH = { cx: 0.5, cy: 0.7, side: 0.4 } as const;
const PER_SHEET = 8;
const COLS = 4;

/** Fisher-Yates with the dataset's seeded generator: the same seed gives the same codes. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Code -> face id for a shuffled yardstick: "101", "102", … (three digits from 101, so every code is an
 * integer-like key and objects keep them in code order).
 */
export function codeKey(ids: readonly string[], seed: number): Record<string, string> {
  return Object.fromEntries(shuffled(ids, seed).map((id, k) => [String(k + 101), id]));
}

/** Writes the coded sheets, the empty form and the key (in `out/key/`); returns the number of faces. */
export async function writeSheets(out: string, seed: number): Promise<number> {
  const y = await loadYardstick();
  const obs = await yardstickObservations(y.faces, CELL);
  const key = codeKey(
    y.faces.map((f) => f.id).filter((id) => obs.has(id)),
    seed,
  );
  const codes = Object.keys(key);
  const cellH = 2 * CELL + 16;
  const width = COLS * (CELL + 10);
  const height = Math.ceil(PER_SHEET / COLS) * (cellH + 10);
  // Mouth zoom: zoom pixel (u, v) -> crop pixel (side u + x0, side v + y0), the same for every face.
  const s0 = MOUTH.side;
  const toMouth = [s0, 0, (MOUTH.cx - s0 / 2) * CELL, 0, s0, (MOUTH.cy - s0 / 2) * CELL];
  await mkdir(join(out, 'key'), { recursive: true });
  for (let s = 0; s * PER_SHEET < codes.length; s++) {
    const sheet: RgbImage = { width, height, rgb: new Uint8Array(width * height * 3).fill(255) };
    codes.slice(s * PER_SHEET, (s + 1) * PER_SHEET).forEach((code, j) => {
      const crop = obs.get(key[code] as string)?.crop;
      if (!crop) return;
      const x0 = (j % COLS) * (CELL + 10);
      const y0 = Math.floor(j / COLS) * (cellH + 10);
      blit(sheet, crop, x0, y0);
      blit(sheet, { width: CELL, height: CELL, rgb: warpAffine(crop, toMouth, CELL) }, x0, y0 + CELL);
      drawText(sheet, code, x0 + 2, y0 + 2 * CELL + 2, 2, [0, 0, 0]);
    });
    await writeFile(join(out, `sheet${String(s + 1).padStart(2, '0')}.png`), await encodePng(sheet));
  }
  await writeFile(join(out, 'key', 'key.json'), `${JSON.stringify(key, null, 1)}\n`);
  const form = { annotator: '', faces: Object.fromEntries(codes.map((c) => [c, {}])) };
  await writeFile(join(out, 'labels.json'), `${JSON.stringify(form, null, 1)}\n`);
  return codes.length;
}

/** One annotator's filled-in form checked and mapped from codes to face ids. */
export function decodeLabels(
  form: { readonly faces?: Readonly<Record<string, Readonly<Record<string, unknown>>>> },
  key: Readonly<Record<string, string>>,
): Record<string, AuLabels> {
  const out: Record<string, AuLabels> = {};
  for (const [code, labels] of Object.entries(form.faces ?? {})) {
    const id = key[code];
    if (!id) throw new Error(`labels: code ${code} is not in the key`);
    const l: Partial<Record<AuKey, 0 | 1>> = {};
    for (const [au, v] of Object.entries(labels)) {
      if (!(AU_KEYS as readonly string[]).includes(au))
        throw new Error(`labels: ${code}: unknown AU "${au}"`);
      if (v !== 0 && v !== 1) throw new Error(`labels: ${code} ${au}: ${JSON.stringify(v)} is not 0 or 1`);
      l[au as AuKey] = v;
    }
    out[id] = l;
  }
  return out;
}

/** The yardstick with annotator `name`'s labels added and every face's scored labels recomputed. */
export function mergeAnnotator<T extends { faces: readonly LabelledFace[] }>(
  doc: T,
  name: string,
  labels: Readonly<Record<string, AuLabels>>,
): T {
  const faces = doc.faces.map((f) => {
    const annotations = { ...annotationsOf(f), [name]: labels[f.id] ?? {} };
    return { ...f, labels: consensusLabels(annotations), annotations };
  });
  return { ...doc, faces };
}

const USAGE =
  'usage: yardstick-sheets.ts sheets --out DIR [--seed N] | merge --labels FILE --key FILE --name ID [--about TEXT]';

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '7' },
      labels: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      about: { type: 'string' },
    },
  });
  const mode = positionals[0];
  if (mode === 'sheets' && values.out) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
    const n = await writeSheets(values.out, seed);
    console.log(
      `${n} faces on ${Math.ceil(n / PER_SHEET)} sheets in ${values.out}; the key is in ${values.out}/key`,
    );
  } else if (mode === 'merge' && values.labels && values.key && values.name) {
    const doc = JSON.parse(await readFile(YARDSTICK_PATH, 'utf8'));
    if (doc.annotators?.[values.name] !== undefined)
      throw new Error(`annotator "${values.name}" is already in ${YARDSTICK_PATH}; choose another --name`);
    const form = JSON.parse(await readFile(values.labels, 'utf8'));
    const key = JSON.parse(await readFile(values.key, 'utf8')) as Record<string, string>;
    const merged = mergeAnnotator(doc, values.name, decodeLabels(form, key));
    merged.annotators = { ...(doc.annotators ?? {}), [values.name]: values.about ?? values.name };
    await writeFile(YARDSTICK_PATH, `${JSON.stringify(merged, null, 1)}\n`);
    console.log(`${values.name} merged into ${YARDSTICK_PATH}`);
  } else {
    console.error(USAGE);
    process.exitCode = 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`yardstick-sheets: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
