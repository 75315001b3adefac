import { describe, expect, it } from 'vitest';
import { checkIngestMessage, imageDataProblem } from '../../src/schemas/index.js';
import { auSample, emotionEvent, status } from '../helpers/messages.js';

describe('imageDataProblem: no pixels in any shape', () => {
  it('passes real signals', () => {
    expect(imageDataProblem(auSample('web-a', 1))).toBeNull();
    expect(imageDataProblem(emotionEvent('web-a', 1))).toBeNull();
  });

  it.each([
    ['a data: URI', { x: 'data:image/jpeg;base64,/9j/4AAQ' }, /data: URI/],
    ['a base64 run', { x: `abc ${'QUJD'.repeat(20)}` }, /base64 run/],
    ['a long string', { x: 'ab '.repeat(100) }, /300-character string/],
    ['a long array', { x: Array.from({ length: 500 }, (_, i) => i % 256) }, /500-item array/],
    ['a nested typed array', { a: { b: new Uint8Array(4) } }, /\$\.a\.b is binary/],
    ['a base64 key', { [`k${'A'.repeat(80)}`]: 1 }, /key/],
  ])('finds %s', (_what, value, problem) => {
    expect(imageDataProblem(value)).toMatch(problem);
  });
});

describe('checkIngestMessage', () => {
  it('accepts the signal types and refuses status, unknown fields and image data with codes', () => {
    expect(checkIngestMessage(auSample('web-a', 1)).ok).toBe(true);
    expect(checkIngestMessage(status('web-a', 'live'))).toMatchObject({ ok: false, code: 'INGEST_INVALID' });
    expect(checkIngestMessage({ ...auSample('web-a', 1), jpeg: 'x' })).toMatchObject({
      ok: false,
      code: 'INGEST_INVALID',
    });
    expect(
      checkIngestMessage({ ...auSample('web-a', 1), model: 'data:image/png;base64,iVBOR' }),
    ).toMatchObject({
      ok: false,
      code: 'INGEST_IMAGE_DATA',
    });
  });
});
