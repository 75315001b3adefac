import { describe, expect, it } from 'vitest';
import { withHappy } from '../../src/classify/mesh/index.js';
import { formatLabelsCsv, parseLabelsCsv } from '../../src/dataset/format.js';
import { mixHappy } from '../../src/dataset/with-expressions.js';

describe('mixHappy: a labels.csv with the expression net’s happy mixed into AU6 and AU12', () => {
  const row = (file: string, labels: Record<string, number>) => ({
    file,
    subject: file.slice(6, 7),
    source: 'x.jpg',
    frame: 0,
    labels,
  });
  const rows = [
    row('crops/a-a0.png', { AU1: 0.1, AU6: 0.2, AU12: 0.9, AU25: 0.5 }),
    row('crops/b-a0.png', { AU1: 0.3, AU12: 0.1, AU25: 0.7 }),
    row('crops/c-a0.png', { AU1: 0.3, AU6: 0.4, AU12: 0.4, AU25: 0.7 }),
  ];
  const happy: Record<string, number> = {
    'crops/a-a0.png': 0.99,
    'crops/b-a0.png': 0.01,
    'crops/c-a0.png': NaN,
  };

  it('changes AU6 and AU12 as the estimator does, and nothing else', async () => {
    // through the dataset's own labels.csv writer and reader, as the tool writes it
    const out = parseLabelsCsv(formatLabelsCsv(await mixHappy(rows, async (r) => happy[r.file] as number)));
    const [a, b, c] = out;
    expect([a?.file, a?.subject, a?.labels.AU1]).toEqual(['crops/a-a0.png', 'a', 0.1]);
    expect(a?.labels.AU6).toBeCloseTo(withHappy(0.2, 0.99), 4);
    expect(a?.labels.AU12).toBeCloseTo(withHappy(0.9, 0.99), 4);
    expect(a?.labels.AU6).toBeGreaterThan(0.2); // a confident smile pulls both up
    expect(a?.labels.AU25).toBe(0.5);
    expect(b?.labels.AU6).toBeUndefined(); // unknown stays unknown
    expect(b?.labels.AU12).toBeLessThan(0.1);
    expect(c?.labels).toEqual(rows[2]?.labels); // no reading: unchanged
  });

  it('a labels.csv without the dataset columns is refused by the reader the tool uses', () => {
    expect(() => parseLabelsCsv('file,AU25\nx.png,0.5')).toThrow(/header must be/);
  });
});
