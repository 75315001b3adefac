import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { liveChildPids, openSource, parseSource } from '../../src/ingest/index.js';
import type { StreamStatus } from '../../src/types.js';
import { childPids, waitFor, waitGone } from '../helpers/processes.js';
import { type RtspServer, startRtspServer } from '../helpers/rtsp.js';
import { loopVideo, makeTestsrc, tempDir } from '../helpers/videos.js';

const tmp = tempDir();
let video: string;
let server: RtspServer | undefined;
let sub: Subscription | undefined;

const cfg = (transport: 'tcp' | 'udp' = 'tcp') =>
  configSchema.parse({
    ingest: {
      width: 160,
      height: 120,
      fps: 10,
      rtspTransport: transport,
      stallTimeoutMs: 1500,
      connectTimeoutMs: 3000,
      reconnect: { initialMs: 200, maxMs: 1000, connectAttempts: 0, maxAttempts: 0 },
    },
  }).ingest;

interface Watch {
  frames: Array<{ seq: number; ptsMs: number; bytes: number }>;
  statuses: StreamStatus[];
  error?: unknown;
}

function watch(url: string, transport: 'tcp' | 'udp' = 'tcp'): Watch {
  const w: Watch = { frames: [], statuses: [] };
  sub = openSource('cam', parseSource(url), cfg(transport)).subscribe({
    next: (ev) => {
      if (ev.kind === 'status') w.statuses.push(ev.status);
      else {
        w.frames.push({ seq: ev.frame.seq, ptsMs: ev.frame.ptsMs, bytes: ev.frame.rgb.length });
        ev.frame.release();
      }
    },
    error: (e) => {
      w.error = e;
    },
  });
  return w;
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

beforeAll(() => {
  // Keyframe every 5 frames so a (re)connecting client starts decoding quickly; 30 s of stream.
  const clip = makeTestsrc(join(tmp.dir, 'clip.mp4'), {
    width: 320,
    height: 240,
    fps: 25,
    seconds: 2,
    gop: 5,
  });
  video = loopVideo(clip, 15, join(tmp.dir, 'long.mp4'));
});

afterEach(async () => {
  sub?.unsubscribe();
  sub = undefined;
  await server?.kill();
  server = undefined;
  await waitGone(childPids('ffmpeg'));
  await waitFor(() => liveChildPids().length === 0, 3000, 'the registry to see every child exit');
});
afterAll(tmp.cleanup);

describe('RTSP source against a real GStreamer RTSP server', () => {
  it('reads frames, survives the server being killed and restarted on the same port', async () => {
    server = await startRtspServer(video);
    const w = watch(server.url);
    await waitFor(() => w.frames.length >= 5, 15_000, 'first frames');
    expect(w.statuses.map((s) => s.state).slice(0, 2)).toEqual(['connecting', 'live']);
    expect(w.frames[0]!.bytes).toBe(160 * 120 * 3);

    const firstDecoder = childPids('ffmpeg');
    expect(firstDecoder).toHaveLength(1);
    const port = server.port;
    await server.kill();
    await waitFor(() => w.statuses.some((s) => s.state === 'reconnecting'), 5000, 'reconnecting');
    await waitGone(firstDecoder);
    // Counted once the old decoder is gone: frames it still had buffered must not pass for post-restart ones.
    const before = w.frames.length;

    await new Promise((r) => setTimeout(r, 500)); // stay down for a while: reconnects fail meanwhile
    server = await startRtspServer(video, port);
    await waitFor(() => w.frames.length >= before + 5, 20_000, 'frames after the restart');
    await waitFor(
      () =>
        w.statuses
          .slice(w.statuses.findIndex((s) => s.state === 'reconnecting'))
          .some((s) => s.state === 'live'),
      5000,
      'live again',
    );

    const states = w.statuses.map((s) => s.state);
    const firstReconnect = states.indexOf('reconnecting');
    expect(w.statuses[firstReconnect]).toMatchObject({ attempt: 1, code: 'SOURCE_DISCONNECTED' });
    expect(states.slice(firstReconnect)).toContain('live'); // live again after reconnecting
    expect(states).not.toContain('failed');
    expect(w.error).toBeUndefined();
    // One stream, one timeline: seq and pts keep increasing across the reconnect.
    expect(w.frames.map((f) => f.seq)).toEqual([...w.frames.keys()]);
    expect(increasing(w.frames.map((f) => f.ptsMs))).toBe(true);
  });

  it('a hung server (SIGSTOP) trips the watchdog, which kills ffmpeg; frames resume after SIGCONT', async () => {
    server = await startRtspServer(video);
    const w = watch(server.url);
    await waitFor(() => w.frames.length >= 3, 15_000, 'first frames');
    const decoder = childPids('ffmpeg');
    server.pause();
    const pausedAt = Date.now();
    try {
      await waitFor(() => w.statuses.some((s) => s.state === 'stalled'), 5000, 'stalled');
      expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(1000); // not before the stall timeout
      await waitGone(decoder); // the hung ffmpeg was killed, not left waiting forever
      expect(w.statuses.find((s) => s.state === 'stalled')).toMatchObject({ code: 'SOURCE_STALLED' });
      await waitFor(
        () => w.statuses.filter((s) => s.state === 'reconnecting').length >= 1,
        5000,
        'reconnecting',
      );
    } finally {
      server.resume();
    }
    const before = w.frames.length;
    await waitFor(() => w.frames.length >= before + 3, 20_000, 'frames after SIGCONT');
    expect(w.error).toBeUndefined();
  });

  it('fails at once on a wrong password (no retries, password not shown), reads with the right one', async () => {
    server = await startRtspServer(video, undefined, { auth: 'admin:s3cret' });
    const bad = server.url.replace('rtsp://', 'rtsp://admin:wrong-pw@');
    const denied = watch(bad);
    await waitFor(() => denied.error !== undefined, 15_000, 'the auth error');
    expect(denied.error).toMatchObject({ code: 'SOURCE_AUTH_FAILED' });
    expect((denied.error as Error).message).toMatch(
      /^rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/stream: authentication failed/,
    );
    expect(JSON.stringify(denied.statuses)).not.toContain('wrong-pw');
    expect(denied.statuses.map((s) => s.state)).toEqual(['connecting', 'failed']);

    const w = watch(server.url.replace('rtsp://', 'rtsp://admin:s3cret@'));
    await waitFor(() => w.frames.length >= 3, 15_000, 'frames with the right password');
  });

  it('reads over UDP transport too (whitelist allows exactly rtp/udp for it)', async () => {
    server = await startRtspServer(video);
    const w = watch(server.url, 'udp');
    await waitFor(() => w.frames.length >= 3, 15_000, 'frames over UDP');
    expect(w.statuses.map((s) => s.state)).toEqual(['connecting', 'live']);
  });
});
