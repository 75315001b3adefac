/**
 * Contact sheet of a prepared dataset: each crop with its labelled AUs written under it (AU number and
 * value, for values ≥ 0.5 in probability sets or ≥ 1 in intensity sets), so a person can judge labels at a
 * glance. Text uses a built-in 3x5 pixel font (no font files needed).
 */
import { writeFile } from 'node:fs/promises';
import { encodePng } from '../ingest/index.js';
import { AU_KEYS, type RgbImage } from '../types.js';
import { type Dataset, readCrop } from './format.js';

// 3x5 glyphs, rows top to bottom, 3 bits each (MSB = left).
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 3, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 2, 2],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  ':': [0, 2, 0, 2, 0],
  ' ': [0, 0, 0, 0, 0],
  '-': [0, 0, 7, 0, 0],
  '?': [7, 1, 3, 0, 2],
};

export function drawText(
  img: RgbImage,
  text: string,
  x0: number,
  y0: number,
  px: number,
  rgb: [number, number, number],
) {
  let x = x0;
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS[' '];
    g?.forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if (!((bits >> (2 - col)) & 1)) continue;
        for (let dy = 0; dy < px; dy++)
          for (let dx = 0; dx < px; dx++) {
            const xx = x + col * px + dx;
            const yy = y0 + row * px + dy;
            if (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height) continue;
            img.rgb.set(rgb, (yy * img.width + xx) * 3);
          }
      }
    });
    x += 4 * px;
  }
}

/** Copies `src` into `dst` with its top-left corner at (x0, y0); `src` must fit. */
export function blit(dst: RgbImage, src: RgbImage, x0: number, y0: number): void {
  for (let y = 0; y < src.height; y++)
    dst.rgb.set(
      src.rgb.subarray(y * src.width * 3, (y + 1) * src.width * 3),
      ((y0 + y) * dst.width + x0) * 3,
    );
}

export interface ContactSheetOptions {
  readonly cols?: number;
  readonly max?: number;
  /** Pick every n-th row (default: spread `max` rows over the dataset). */
  readonly rows?: readonly number[];
}

/** Renders the sheet and writes it as PNG to `file`; returns the number of faces drawn. */
export async function writeContactSheet(
  ds: Dataset,
  file: string,
  opts: ContactSheetOptions = {},
): Promise<number> {
  const max = opts.max ?? 48;
  const pick = opts.rows ?? pickRows(ds.rows.length, max);
  const cols = opts.cols ?? 8;
  const size = ds.meta.cropSize;
  const textH = 52;
  const cellW = size + 4;
  const cellH = size + textH;
  const rows = Math.ceil(pick.length / cols);
  const sheet: RgbImage = {
    width: cols * cellW,
    height: rows * cellH,
    rgb: new Uint8Array(cols * cellW * rows * cellH * 3),
  };
  sheet.rgb.fill(255);
  const cut = ds.meta.labelKind === 'intensity' ? 1 : 0.5;
  for (const [n, i] of pick.entries()) {
    const row = ds.rows[i];
    if (!row) continue;
    const crop = await readCrop(ds, row);
    const ox = (n % cols) * cellW + 2;
    const oy = Math.floor(n / cols) * cellH + 2;
    blit(sheet, crop, ox, oy);
    // "12:.93" per AU at or above the cut; two per line; '?' when every label is unknown.
    const items = AU_KEYS.filter((k) => (row.labels[k] ?? 0) >= cut).map((k) => {
      const v = row.labels[k] ?? 0;
      const val = ds.meta.labelKind === 'intensity' ? String(Math.round(v)) : v.toFixed(2).replace(/^0/, '');
      return `${k.slice(2)}:${val}`;
    });
    const known = AU_KEYS.some((k) => row.labels[k] !== undefined);
    const lines = !known ? [['?']] : items.length ? [0, 2, 4, 6].map((s) => items.slice(s, s + 2)) : [['-']];
    lines.forEach((l, li) => {
      if (l.length) drawText(sheet, l.join(' '), ox, oy + size + 2 + li * 12, 2, [0, 0, 0]);
    });
  }
  await writeFile(file, await encodePng(sheet));
  return pick.length;
}

function pickRows(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}
