import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { liveChildPids, openSource, parseSource, probe, type SourceSpec } from '../../src/ingest/index.js';
import { type Collected, collect, states } from '../helpers/ingest.js';
import { childPids, waitFor, waitGone } from '../helpers/processes.js';
import { freePort } from '../helpers/rtsp.js';
import { ffmpeg, makeTestsrc, tempDir } from '../helpers/videos.js';

const tmp = tempDir();
const cfg = configSchema.parse({
  ingest: {
    width: 160,
    height: 120,
    fps: 10,
    stallTimeoutMs: 1000,
    reconnect: { initialMs: 100, connectAttempts: 2 },
  },
}).ingest;
const p = (name: string) => join(tmp.dir, name);

beforeAll(() => {
  const whole = makeTestsrc(p('whole.mp4'), { seconds: 2 });
  const fast = makeTestsrc(p('fast.mp4'), { seconds: 2, faststart: true });
  // Index at the end (ffmpeg's default): cutting the file loses the index, so nothing is decodable.
  writeFileSync(p('cut.mp4'), readFileSync(whole).subarray(0, 6000));
  // Index first: cutting keeps the header and the first frames, then the data just stops.
  writeFileSync(p('cut-faststart.mp4'), readFileSync(fast).subarray(0, 6000));
  writeFileSync(p('notes.txt'), 'these are not the frames you are looking for\n');
  copyFileSync(p('notes.txt'), p('notes.mp4'));
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', p('audio.m4a')]);
  writeFileSync(p('playlist.ffconcat'), `ffconcat version 1.0\nfile '${whole}'\n`);
});
afterAll(tmp.cleanup);

// Whatever happened, no ffmpeg may outlive the test: by our own bookkeeping and by /proc.
afterEach(async () => {
  await waitGone(childPids('ffmpeg'));
  await waitFor(() => liveChildPids().length === 0, 3000, 'the registry to see every child exit');
  expect(childPids('ffmpeg')).toEqual([]);
});

async function failsWith(spec: SourceSpec, code: string, says: RegExp): Promise<Collected> {
  const got = await collect(openSource('bad', spec, cfg));
  expect(got.error?.code, JSON.stringify(got.error)).toBe(code);
  expect(got.error?.message).toMatch(says);
  const label = spec.kind === 'rtsp' ? spec.url : spec.path;
  expect(got.error?.message.startsWith(label)).toBe(true); // names the source
  expect(got.statuses.at(-1)).toMatchObject({ state: 'failed', code });
  await waitGone(got.pids);
  return got;
}

describe('bad inputs give one clear error and leave no ffmpeg behind', () => {
  it('missing file', async () => {
    const got = await failsWith(parseSource(p('missing.mp4')), 'SOURCE_NOT_FOUND', /no such file/);
    expect(states(got)).toEqual(['connecting', 'failed']);
    await expect(probe(p('missing.mp4'))).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('a text file, whatever its extension', async () => {
    await failsWith(
      parseSource(p('notes.txt')),
      'NOT_A_VIDEO',
      /not a video file \(ffmpeg: .*Invalid data found/,
    );
    await failsWith(
      parseSource(p('notes.mp4')),
      'NOT_A_VIDEO',
      /not a video file \(ffmpeg: .*moov atom not found/,
    );
    await expect(probe(p('notes.mp4'))).rejects.toMatchObject({ code: 'NOT_A_VIDEO' });
  });

  it('an audio-only file', async () => {
    await failsWith(parseSource(p('audio.m4a')), 'NOT_A_VIDEO', /no video stream/);
    await expect(probe(p('audio.m4a'))).rejects.toMatchObject({ code: 'NOT_A_VIDEO' });
  });

  it('a directory', async () => {
    await failsWith(parseSource(tmp.dir), 'NOT_A_VIDEO', /is a directory/);
  });

  it('a truncated MP4 that lost its index', async () => {
    const got = await failsWith(
      parseSource(p('cut.mp4')),
      'CORRUPT_INPUT',
      /truncated or incomplete MP4 \(ffmpeg: .*moov atom not found\)/,
    );
    expect(got.frames).toEqual([]);
    expect(got.pids.length).toBeGreaterThan(0); // ffmpeg really ran, and is gone
  });

  it('a truncated MP4 that still has its first frames: frames, then ended with a CORRUPT_INPUT warning', async () => {
    const got = await collect(openSource('bad', parseSource(p('cut-faststart.mp4')), cfg));
    expect(got.error).toBeUndefined();
    expect(got.frames.length).toBeGreaterThan(0);
    expect(got.frames.length).toBeLessThan(20);
    const end = got.statuses.at(-1)!;
    expect(end).toMatchObject({ state: 'ended', code: 'CORRUPT_INPUT' });
    expect(end.detail).toMatch(/cut-faststart\.mp4: truncated or corrupt video \(ffmpeg: /);
  });

  it('a playlist-style container that could pull in other files', async () => {
    await failsWith(
      parseSource(p('playlist.ffconcat')),
      'FORMAT_NOT_ALLOWED',
      /container format not allowed/,
    );
  });

  it('an unreachable RTSP URL (closed loopback port), after connectAttempts tries', async () => {
    const url = `rtsp://127.0.0.1:${await freePort()}/stream`;
    const got = await failsWith(
      parseSource(url),
      'SOURCE_UNREACHABLE',
      /cannot connect \(ffmpeg: .*Connection refused/,
    );
    expect(states(got)).toEqual(['connecting', 'reconnecting', 'failed']);
    expect(got.statuses[1]).toMatchObject({ attempt: 1, code: 'SOURCE_UNREACHABLE' });
    await expect(probe(parseSource(url))).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE' });
  });

  it('http://, file: and concat: sources are refused before anything runs', () => {
    for (const s of ['http://127.0.0.1:1/a.mp4', `file:${p('whole.mp4')}`, `concat:${p('whole.mp4')}`]) {
      expect(() => parseSource(s)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_SCHEME' }));
    }
  });

  it('ffmpeg not installed: FFMPEG_MISSING saying what to install', async () => {
    const path = process.env.PATH;
    process.env.PATH = tmp.dir; // no ffmpeg here
    try {
      const got = await collect(openSource('bad', parseSource(p('whole.mp4')), cfg));
      expect(got.error?.code).toBe('FFMPEG_MISSING');
      expect(got.error?.message).toMatch(/cannot run ffmpeg .*install ffmpeg/);
      expect(got.statuses.at(-1)).toMatchObject({ state: 'failed', code: 'FFMPEG_MISSING' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('a URL smuggled in as a file path is read as a local path, never fetched', async () => {
    await failsWith({ kind: 'upload', path: 'http://127.0.0.1:1/a.mp4' }, 'SOURCE_NOT_FOUND', /no such file/);
  });
});
