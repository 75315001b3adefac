import { describe, expect, it } from 'vitest';
import { SourceError, type SourceErrorCode } from '../../src/errors.js';
import { classifyStderr, isRetryable, looksLikeIsoBmff } from '../../src/ingest/classify.js';

// stderr captured from ffmpeg 5.1 on this machine for each failure.
const SAMPLES: Array<[string, string, RegExp]> = [
  ['file:/tmp/x/nope.mp4: No such file or directory', 'SOURCE_NOT_FOUND', /No such file/],
  [
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x562860041c40] moov atom not found\nfile:/tmp/t.mp4: Invalid data found when processing input',
    'CORRUPT_INPUT',
    /^mov,mp4,m4a,3gp,3g2,mj2: moov atom not found$/,
  ],
  ['file:/tmp/text.txt: Invalid data found when processing input', 'NOT_A_VIDEO', /Invalid data/],
  [
    "Stream map '0:v:0' matches no streams.\nTo ignore this, add a trailing '?' to the map.",
    'NOT_A_VIDEO',
    /matches no/,
  ],
  [
    "[http @ 0x55c1354f3400] Protocol 'http' not on whitelist 'file'!\nhttp://127.0.0.1:1/x.mp4: Invalid argument",
    'UNSUPPORTED_SCHEME',
    /^http: Protocol 'http' not on the allowed list$/,
  ],
  [
    "[concat @ 0x5629a9155c00] Format not on whitelist 'mov,matroska'\nfile:/tmp/x.ffconcat: Invalid argument",
    'FORMAT_NOT_ALLOWED',
    /^concat: Format not on the allowed list$/,
  ],
  [
    '[tcp @ 0x5573c81968c0] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused\nrtsp://127.0.0.1:1/x: Connection refused',
    'SOURCE_UNREACHABLE',
    /Connection refused/,
  ],
  [
    '[tcp @ 0x5555bf7a08c0] Failed to resolve hostname nonexistent.invalid: Name or service not known\nrtsp://nonexistent.invalid/x: Input/output error',
    'SOURCE_UNREACHABLE',
    /resolve hostname/,
  ],
  [
    '[rtsp @ 0x55d0] method DESCRIBE failed: 401 Unauthorized\nrtsp://cam/x: Server returned 401 Unauthorized (authorization failed)',
    'SOURCE_AUTH_FAILED',
    /401/,
  ],
  [
    '[rtsp @ 0x55d0] method DESCRIBE failed: 404 Not Found\nrtsp://cam/x: Server returned 404 Not Found',
    'SOURCE_NOT_FOUND',
    /404/,
  ],
  [
    '[tcp @ 0x1] Connection to tcp://10.0.0.9:554 failed: Connection timed out',
    'SOURCE_TIMEOUT',
    /timed out/,
  ],
  ['Decoder (codec av1) not found for input stream #0:0', 'CODEC_UNSUPPORTED', /Decoder/],
  [
    '[h264 @ 0x557cdb2e2680] Invalid NAL unit size (84 > 71).\n[h264 @ 0x557cdb2e2680] Error splitting the input into NAL units.',
    'CORRUPT_INPUT',
    /^h264: Invalid NAL unit size/,
  ],
  ['something nobody has seen before', 'FFMPEG_FAILED', /^something nobody/],
  ['', 'FFMPEG_FAILED', /^no message$/],
];

describe('classifyStderr', () => {
  it.each(SAMPLES)('%s → %s', (stderr, code, line) => {
    const c = classifyStderr(stderr);
    expect(c.code).toBe(code);
    expect(c.line).toMatch(line);
  });

  it('hides passwords that ffmpeg echoes back in URLs', () => {
    const c = classifyStderr('rtsp://admin:s3cret@10.1.2.3/x: Invalid data found when processing input');
    expect(c.line).toBe('rtsp://admin:***@10.1.2.3/x: Invalid data found when processing input');
  });

  it('ignores "Last message repeated" noise when picking the last line', () => {
    expect(classifyStderr('weird failure\n    Last message repeated 3 times\n').line).toBe('weird failure');
  });
});

describe('isRetryable', () => {
  it('retries network trouble and disconnects, not configuration mistakes', () => {
    const retry = (code: SourceErrorCode) => isRetryable(new SourceError(code, 'x'));
    expect(
      (['SOURCE_UNREACHABLE', 'SOURCE_TIMEOUT', 'SOURCE_DISCONNECTED', 'SOURCE_STALLED'] as const).every(
        retry,
      ),
    ).toBe(true);
    expect(
      (['SOURCE_AUTH_FAILED', 'UNSUPPORTED_SCHEME', 'CODEC_UNSUPPORTED', 'NOT_A_VIDEO'] as const).some(retry),
    ).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });
});

describe('looksLikeIsoBmff', () => {
  it('recognises an MP4 header and rejects text', () => {
    const mp4 = new Uint8Array([0, 0, 0, 32, ...Buffer.from('ftypisom')]);
    expect(looksLikeIsoBmff(mp4)).toBe(true);
    expect(looksLikeIsoBmff(new TextEncoder().encode('hello world\n'))).toBe(false);
    expect(looksLikeIsoBmff(new Uint8Array(3))).toBe(false);
  });
});
