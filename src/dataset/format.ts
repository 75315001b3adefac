/**
 * The prepared-dataset format (docs/dataset-format.md): a folder with `meta.json`, `crops/*.png` (aligned RGB
 * faces at `cropSize`, production alignment) and `labels.csv` (one row per crop). The Python trainer and
 * `aupipe eval` read exactly this; change it only together with them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { decodeImage, encodePng } from '../ingest/index.js';
import { AU_KEYS, type AuKey, type RgbImage } from '../types.js';

export const DATASET_FORMAT = 'aupipe-dataset';
export const DATASET_VERSION = 1;
export const LABEL_COLUMNS = ['file', 'subject', 'source', 'frame', ...AU_KEYS] as const;

export type LabelKind = 'probability' | 'intensity';

export interface DatasetMeta {
  readonly format: typeof DATASET_FORMAT;
  readonly version: typeof DATASET_VERSION;
  /** Alignment template the crops were made with (src/detect `TEMPLATE_ID`). */
  readonly templateId: string;
  readonly cropSize: number;
  /** AUs this dataset labels (columns outside it are empty). */
  readonly aus: readonly AuKey[];
  /** 'probability': values in [0, 1]; 'intensity': FACS intensity 0–5. */
  readonly labelKind: LabelKind;
  /** Where the faces come from, e.g. 'pseudo:offline-photos' or 'disfa'. */
  readonly source: string;
  /** Tool and version that wrote it, e.g. 'aupipe 0.1.0 dataset pseudo --seed 1'. */
  readonly createdWith: string;
  /** Free-form extras (counts, options); readers ignore unknown keys. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface DatasetRow {
  /** Crop path relative to the dataset folder, e.g. 'crops/000001.png'. */
  readonly file: string;
  /** Identity: splits must keep one subject in one fold. */
  readonly subject: string;
  /** Source image or video the crop was cut from. */
  readonly source: string;
  /** Frame index in the source video (0 for stills). */
  readonly frame: number;
  /** Per-AU label; absent = unknown (empty cell). */
  readonly labels: Readonly<Partial<Record<AuKey, number>>>;
}

export interface Dataset {
  readonly dir: string;
  readonly meta: DatasetMeta;
  readonly rows: readonly DatasetRow[];
}

const BAD_CELL = /[",\n\r]/;

function cell(v: string, what: string): string {
  if (BAD_CELL.test(v))
    throw new ConfigError('DATASET_INVALID', `${what} "${v}" contains a comma, quote or newline`);
  return v;
}

/** Serialises rows as labels.csv text (values rounded to 4 decimals; unknown = empty). */
export function formatLabelsCsv(rows: readonly DatasetRow[]): string {
  const lines = [LABEL_COLUMNS.join(',')];
  for (const r of rows) {
    const aus = AU_KEYS.map((k) => {
      const v = r.labels[k];
      return v === undefined || Number.isNaN(v) ? '' : String(Math.round(v * 1e4) / 1e4);
    });
    lines.push(
      [cell(r.file, 'file'), cell(r.subject, 'subject'), cell(r.source, 'source'), r.frame, ...aus].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Parses labels.csv text; errors name the file and line. */
export function parseLabelsCsv(text: string, file = 'labels.csv'): DatasetRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== LABEL_COLUMNS.join(',')) {
    throw new ConfigError('DATASET_INVALID', `${file}: header must be "${LABEL_COLUMNS.join(',')}"`);
  }
  return lines.slice(1).map((line, i) => {
    const c = line.split(',');
    if (c.length !== LABEL_COLUMNS.length) {
      throw new ConfigError(
        'DATASET_INVALID',
        `${file}:${i + 2}: ${c.length} cells, expected ${LABEL_COLUMNS.length}`,
      );
    }
    const labels: Partial<Record<AuKey, number>> = {};
    AU_KEYS.forEach((k, j) => {
      const s = c[4 + j] as string;
      if (s === '') return;
      const v = Number(s);
      if (!Number.isFinite(v)) throw new ConfigError('DATASET_INVALID', `${file}:${i + 2}: ${k} is "${s}"`);
      labels[k] = v;
    });
    return {
      file: c[0] as string,
      subject: c[1] as string,
      source: c[2] as string,
      frame: Number(c[3]),
      labels,
    };
  });
}

/** Reads meta.json and labels.csv of a prepared dataset (crops are read on demand with `readCrop`). */
export async function readDataset(dir: string): Promise<Dataset> {
  const metaFile = path.join(dir, 'meta.json');
  let meta: DatasetMeta;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8')) as DatasetMeta;
  } catch (e) {
    throw new ConfigError('DATASET_INVALID', `${metaFile}: cannot read (${(e as Error).message})`, {
      cause: e,
    });
  }
  if (meta.format !== DATASET_FORMAT || meta.version !== DATASET_VERSION) {
    throw new ConfigError(
      'DATASET_INVALID',
      `${metaFile}: not an ${DATASET_FORMAT} v${DATASET_VERSION} folder`,
    );
  }
  const labelsFile = path.join(dir, 'labels.csv');
  const rows = parseLabelsCsv(await readFile(labelsFile, 'utf8'), labelsFile);
  return { dir, meta, rows };
}

export function readCrop(ds: Dataset, row: DatasetRow): Promise<RgbImage> {
  return decodeImage(path.join(ds.dir, row.file));
}

/** Writes a dataset incrementally: `add` stores each crop as PNG; `finish` writes labels.csv and meta.json. */
export class DatasetWriter {
  private readonly rows: DatasetRow[] = [];
  private constructor(
    readonly dir: string,
    private readonly meta: DatasetMeta,
  ) {}

  static async create(dir: string, meta: DatasetMeta): Promise<DatasetWriter> {
    await mkdir(path.join(dir, 'crops'), { recursive: true });
    return new DatasetWriter(dir, meta);
  }

  get count(): number {
    return this.rows.length;
  }

  async add(row: Omit<DatasetRow, 'file'>, crop: RgbImage, name?: string): Promise<DatasetRow> {
    if (crop.width !== this.meta.cropSize || crop.height !== this.meta.cropSize) {
      throw new ConfigError(
        'DATASET_INVALID',
        `crop is ${crop.width}x${crop.height}, dataset cropSize is ${this.meta.cropSize}`,
      );
    }
    const file = `crops/${name ?? String(this.rows.length).padStart(6, '0')}.png`;
    await writeFile(path.join(this.dir, file), await encodePng(crop));
    const full = { ...row, file };
    this.rows.push(full);
    return full;
  }

  async finish(): Promise<Dataset> {
    await writeFile(path.join(this.dir, 'labels.csv'), formatLabelsCsv(this.rows));
    await writeFile(path.join(this.dir, 'meta.json'), `${JSON.stringify(this.meta, null, 2)}\n`);
    return { dir: this.dir, meta: this.meta, rows: this.rows };
  }
}

/** Writes a whole dataset at once. */
export async function writeDataset(
  dir: string,
  meta: DatasetMeta,
  samples: readonly { readonly row: Omit<DatasetRow, 'file'>; readonly crop: RgbImage }[],
): Promise<Dataset> {
  const w = await DatasetWriter.create(dir, meta);
  for (const s of samples) await w.add(s.row, s.crop);
  return w.finish();
}
