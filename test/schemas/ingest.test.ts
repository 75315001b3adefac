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

describe('checkIngestMessage: attention from the browser', () => {
  const reading = {
    faces: 1,
    pose: { yaw: 4.2, pitch: -3.1, roll: 0.5 },
    offScreen: 0.3,
    onScreen: true,
    mouth: { open: 0.05, yawning: false, yawns: 0 },
  };
  const event = {
    v: 2,
    type: 'attention',
    id: 'web-a/1/looking_away/1',
    streamId: 'web-a',
    trackId: 1,
    kind: 'looking_away',
    phase: 'start',
    value: 1.4,
    peak: 1.4,
    startMs: 1200,
  };

  it('accepts AU samples with their attention reading, and attention events', () => {
    expect(checkIngestMessage({ ...auSample('web-a', 1), attention: reading }).ok).toBe(true);
    expect(checkIngestMessage(event).ok).toBe(true);
    expect(checkIngestMessage({ ...event, phase: 'end', endMs: 2400 }).ok).toBe(true);
  });

  it('refuses a reading or event with a field the schema does not name (a landmark dump, a crop)', () => {
    const mesh = Array.from({ length: 40 }, (_, i) => i / 40);
    expect(checkIngestMessage({ ...auSample('web-a', 1), attention: { ...reading, mesh } })).toMatchObject({
      ok: false,
      code: 'INGEST_INVALID',
    });
    expect(checkIngestMessage({ ...event, crop: 'x' })).toMatchObject({ ok: false, code: 'INGEST_INVALID' });
    expect(checkIngestMessage({ ...event, kind: 'sleeping' })).toMatchObject({
      ok: false,
      code: 'INGEST_INVALID',
    });
    expect(checkIngestMessage({ ...event, value: Number.NaN })).toMatchObject({ ok: false });
  });
});
