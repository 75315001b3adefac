import { describe, expect, it } from 'vitest';
import { withHappy } from '../../src/classify/mesh/index.js';
import { mixHappy } from '../../src/dataset/with-expressions.js';

describe('mixHappy: a labels.csv with the expression net’s happy mixed into AU6 and AU12', () => {
  const csv = [
    'file,subject,AU1,AU6,AU12,AU25',
    'crops/a-a0.png,a,0.1000,0.2000,0.9000,0.5000',
    'crops/b-a0.png,b,0.3000,,0.1000,0.7000',
    'crops/c-a0.png,c,0.3000,0.4000,0.4000,0.7000',
  ].join('\n');
  const happy: Record<string, number> = {
    'crops/a-a0.png': 0.99,
    'crops/b-a0.png': 0.01,
    'crops/c-a0.png': NaN,
  };

  it('changes AU6 and AU12 as the estimator does, and nothing else', async () => {
    const out = (await mixHappy(csv, async (f) => happy[f] as number)).trim().split('\n');
    expect(out[0]).toBe('file,subject,AU1,AU6,AU12,AU25');
    const a = out[1]!.split(',');
    expect(a.slice(0, 3)).toEqual(['crops/a-a0.png', 'a', '0.1000']);
    expect(Number(a[3])).toBeCloseTo(withHappy(0.2, 0.99), 4);
    expect(Number(a[4])).toBeCloseTo(withHappy(0.9, 0.99), 4);
    expect(Number(a[3])).toBeGreaterThan(0.2); // a confident smile pulls both up
    expect(a[5]).toBe('0.5000');
    const b = out[2]!.split(',');
    expect(b[3]).toBe(''); // unknown stays unknown
    expect(Number(b[4])).toBeLessThan(0.1);
    expect(out[3]).toBe('crops/c-a0.png,c,0.3000,0.4000,0.4000,0.7000'); // no reading: unchanged
  });

  it('refuses a file without the AU columns', async () => {
    await expect(mixHappy('file,AU25\nx.png,0.5', async () => 0.5)).rejects.toThrow(/AU6, AU12/);
  });
});
