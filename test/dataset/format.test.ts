import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DatasetMeta,
  formatLabelsCsv,
  LABEL_COLUMNS,
  parseLabelsCsv,
  readCrop,
  readDataset,
  writeDataset,
} from '../../src/dataset/index.js';
import { subjectFolds } from '../../src/eval/index.js';
import { AU_KEYS } from '../../src/types.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const meta: DatasetMeta = {
  format: 'aupipe-dataset',
  version: 1,
  templateId: 'aupipe-5pt-v1',
  cropSize: 8,
  aus: AU_KEYS,
  labelKind: 'probability',
  source: 'test',
  createdWith: 'vitest',
};

describe('prepared-dataset format', () => {
  it('writes and reads back meta, labels (unknown stays unknown) and crop pixels', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aupipe-ds-'));
    dirs.push(dir);
    const crop = { width: 8, height: 8, rgb: Uint8Array.from({ length: 192 }, (_, i) => (i * 7) % 256) };
    await writeDataset(dir, meta, [
      { row: { subject: 's1', source: 'a.jpg#1', frame: 0, labels: { AU12: 0.91234, AU25: 0 } }, crop },
      { row: { subject: 's2', source: 'b.jpg#1', frame: 3, labels: {} }, crop },
    ]);
    const ds = await readDataset(dir);
    expect(ds.meta).toEqual(meta);
    expect(ds.rows).toHaveLength(2);
    expect(ds.rows[0]?.labels).toEqual({ AU12: 0.9123, AU25: 0 });
    expect(ds.rows[1]?.labels).toEqual({});
    expect(ds.rows[1]?.frame).toBe(3);
    const csv = await readFile(path.join(dir, 'labels.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'file,subject,source,frame,AU1,AU2,AU4,AU5,AU6,AU9,AU12,AU15,AU17,AU20,AU25,AU26',
    );
    expect(csv.split('\n')[2]).toBe('crops/000001.png,s2,b.jpg#1,3,,,,,,,,,,,,');
    const back = await readCrop(ds, ds.rows[0] as never);
    expect(Buffer.from(back.rgb).equals(Buffer.from(crop.rgb))).toBe(true);
  });

  it('refuses what it cannot represent or read, naming the problem', async () => {
    expect(() =>
      formatLabelsCsv([{ file: 'x.png', subject: 'a,b', source: 's', frame: 0, labels: {} }]),
    ).toThrow(/subject "a,b"/);
    expect(() => parseLabelsCsv('file,subject\n', 'my.csv')).toThrow(/my.csv: header/);
    const bad = `${LABEL_COLUMNS.join(',')}\nx.png,s,src,0,oops,,,,,,,,,,,\n`;
    expect(() => parseLabelsCsv(bad, 'l.csv')).toThrow(/l.csv:2: AU1 is "oops"/);
    const dir = await mkdtemp(path.join(tmpdir(), 'aupipe-ds-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'meta.json'), '{"format":"other"}');
    await expect(readDataset(dir)).rejects.toMatchObject({ code: 'DATASET_INVALID' });
  });

  it('subject folds never split one identity and use every fold', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      file: `${i}.png`,
      subject: `s${i % 13}`,
      source: 'x',
      frame: 0,
      labels: {},
    }));
    const folds = subjectFolds(
      rows.map((r) => r.subject),
      3,
      5,
    );
    const of = new Map<string, Set<number>>();
    for (const [i, r] of rows.entries())
      of.set(r.subject, (of.get(r.subject) ?? new Set()).add(folds[i] as number));
    for (const s of of.values()) expect(s.size).toBe(1);
    expect(new Set(folds).size).toBe(3);
  });
});

describe('the committed base set data/real-faces', () => {
  it('is a valid dataset whose crops are real files at cropSize, with identities recorded', async () => {
    const ds = await readDataset('data/real-faces');
    expect(ds.meta.labelKind).toBe('probability');
    expect(ds.rows.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ds.rows.map((r) => r.subject)).size).toBeGreaterThanOrEqual(20);
    const crop = await readCrop(ds, ds.rows[0] as never);
    expect([crop.width, crop.height]).toEqual([ds.meta.cropSize, ds.meta.cropSize]);
    for (const r of ds.rows) for (const v of Object.values(r.labels)) expect(v).toBeGreaterThanOrEqual(0);
  });
});
