import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../../src/ingest/index.js';
import { barsRgb, tempDir } from '../helpers/videos.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('decodeImage / encodePng', () => {
  it('round-trips RGB pixels through a PNG exactly', async () => {
    const img = { width: 64, height: 32, rgb: barsRgb(64, 32) };
    const png = await encodePng(img);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const file = join(tmp.dir, 'bars.png');
    writeFileSync(file, png);
    const back = await decodeImage(file);
    expect(back.width).toBe(64);
    expect(back.height).toBe(32);
    expect(Buffer.from(back.rgb).equals(Buffer.from(img.rgb))).toBe(true);
  });

  it('decodes a real photo', async () => {
    const img = await decodeImage('/usr/lib/python3/dist-packages/skimage/data/astronaut.png');
    expect([img.width, img.height, img.rgb.length]).toEqual([512, 512, 512 * 512 * 3]);
  });

  it('rejects a non-image and a missing file with codes', async () => {
    const txt = join(tmp.dir, 'a.txt');
    writeFileSync(txt, 'hello');
    await expect(decodeImage(txt)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
    await expect(decodeImage(join(tmp.dir, 'nope.png'))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });
});
