import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { decodeArgs } from '../../src/ingest/args.js';
import { type IngestEvent, liveChildPids, openSource, parseSource, probe } from '../../src/ingest/index.js';
import { type Frame, SCHEMA_VERSION } from '../../src/types.js';
import { collect, states } from '../helpers/ingest.js';
import { childPids, waitFor, waitGone } from '../helpers/processes.js';
import { BARS, makeBars, makeTestsrc, tempDir } from '../helpers/videos.js';

const tmp = tempDir();
let clip: string; // 320x240, 25 fps, 2 s = 50 frames
let barsLossless: string;
let barsYuv: string;
const cfgOf = (ingest: Record<string, unknown>) => configSchema.parse({ ingest }).ingest;

beforeAll(() => {
  clip = makeTestsrc(join(tmp.dir, 'clip.mp4'), { width: 320, height: 240, fps: 25, seconds: 2 });
  barsLossless = makeBars(join(tmp.dir, 'bars.mkv'), 160, 120, 3, true);
  barsYuv = makeBars(join(tmp.dir, 'bars.mp4'), 160, 120, 3, false);
});
afterAll(tmp.cleanup);

/** Per-frame presentation times (ms) that ffprobe reads from the file. */
function ffprobePtsMs(file: string): number[] {
  const args = [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=pts_time',
    '-of',
    'json',
    file,
  ];
  const json = JSON.parse(execFileSync('ffprobe', args).toString()) as {
    frames: Array<{ pts_time: string }>;
  };
  return json.frames.map((f) => Math.round(Number(f.pts_time) * 1000));
}

describe('file source (real ffmpeg)', () => {
  it("delivers exactly the frames ffprobe counts, at the configured size, with ffprobe's pts", async () => {
    const info = await probe(clip, { countFrames: true });
    expect(info).toMatchObject({ width: 320, height: 240, fps: 25, codec: 'h264', frames: 50 });
    expect(info.durationMs).toBeCloseTo(2000, -1);
    const t0 = Date.now();
    const got = await collect(
      openSource('cam1', parseSource(clip), cfgOf({ width: 320, height: 240, fps: 25 })),
    );
    expect(got.error).toBeUndefined();
    expect(got.frames).toHaveLength(info.frames!);
    expect(got.frames.map((f) => f.seq)).toEqual([...Array(50).keys()]);
    const probed = ffprobePtsMs(clip);
    expect(got.frames.map((f) => Math.round(f.ptsMs))).toEqual(probed.map((p) => p - probed[0]!));
    for (const f of got.frames) expect(f).toMatchObject({ width: 320, height: 240, bytes: 320 * 240 * 3 });
    const at = got.frames.map((f) => f.decodedAt);
    expect(at[0]).toBeGreaterThanOrEqual(t0);
    expect(at.every((t, i) => i === 0 || t >= at[i - 1]!)).toBe(true);
    expect(states(got)).toEqual(['connecting', 'live', 'ended']);
    expect(
      got.statuses.every((s) => s.streamId === 'cam1' && s.v === SCHEMA_VERSION && s.type === 'status'),
    ).toBe(true);
  });

  it('resamples to the analysis fps: 2 s at 10 fps is 20 frames 100 ms apart', async () => {
    const got = await collect(
      openSource('s', parseSource(clip), cfgOf({ width: 160, height: 120, fps: 10 })),
    );
    expect(got.frames).toHaveLength(20);
    expect(got.frames.map((f) => f.ptsMs)).toEqual(got.frames.map((_, i) => i * 100));
    expect(got.frames[0]).toMatchObject({ width: 160, height: 120, bytes: 160 * 120 * 3 });
  });

  const px = (rgb: Uint8Array, w: number, x: number, y: number) => [
    ...rgb.subarray((y * w + x) * 3, (y * w + x) * 3 + 3),
  ];
  const barCentre = (i: number, w: number) => Math.floor(((i + 0.5) * w) / BARS.length);

  it('reproduces lossless colour bars exactly at every bar centre', async () => {
    const seen: number[][][] = [];
    const got = await collect(
      openSource('s', parseSource(barsLossless), cfgOf({ width: 160, height: 120, fps: 10 })),
      (rgb) => {
        seen.push(BARS.map((_, i) => px(rgb, 160, barCentre(i, 160), 60)));
        seen.push(BARS.map((_, i) => px(rgb, 160, barCentre(i, 160), 3)));
      },
    );
    expect(got.frames).toHaveLength(3);
    for (const row of seen) expect(row).toEqual(BARS.map((c) => [...c]));
  });

  it('keeps colours of a yuv420p H.264 bar video within compression error', async () => {
    const seen: number[][] = [];
    await collect(
      openSource('s', parseSource(barsYuv), cfgOf({ width: 160, height: 120, fps: 10 })),
      (rgb) => {
        if (seen.length === 0) seen.push(...BARS.map((_, i) => px(rgb, 160, barCentre(i, 160), 60)));
      },
    );
    expect(seen).toHaveLength(BARS.length);
    seen.forEach((c, i) => {
      for (let k = 0; k < 3; k++)
        expect(Math.abs(c[k]! - BARS[i]![k]!), `bar ${i} channel ${k}: ${c}`).toBeLessThanOrEqual(12);
    });
  });

  it('letterboxes: a 4:3 video in a 320x120 frame keeps its shape between black side bars', async () => {
    let frame: Uint8Array | undefined;
    await collect(
      openSource('s', parseSource(barsLossless), cfgOf({ width: 320, height: 120, fps: 10 })),
      (rgb) => {
        frame ??= rgb.slice();
      },
    );
    // 160x120 scaled to fit 320x120 stays 160x120, centred: x in [80, 240).
    expect(px(frame!, 320, 10, 60)).toEqual([0, 0, 0]);
    expect(px(frame!, 320, 300, 60)).toEqual([0, 0, 0]);
    expect(px(frame!, 320, 80 + barCentre(0, 160), 60)).toEqual([...BARS[0]!]);
    expect(px(frame!, 320, 80 + barCentre(2, 160), 60)).toEqual([...BARS[2]!]);
    expect(px(frame!, 320, 80 + barCentre(5, 160), 60)).toEqual([...BARS[5]!]);
  });

  it('pool of 2: ffmpeg waits while both frames are held, and continues when they are released', async () => {
    const held: Frame[] = [];
    let ended = false;
    const sub = openSource(
      's',
      parseSource(clip),
      cfgOf({ width: 320, height: 240, fps: 25, poolSize: 2 }),
    ).subscribe({
      next: (ev: IngestEvent) => {
        if (ev.kind === 'frame') held.push(ev.frame);
        else if (ev.status.state === 'ended') ended = true;
      },
    });
    await waitFor(() => held.length === 2, 5000, 'two frames');
    await new Promise((r) => setTimeout(r, 400));
    expect(held).toHaveLength(2);
    expect(liveChildPids()).toHaveLength(1); // still running, blocked on its pipe
    held[0]!.release();
    held[0]!.release(); // a second release is harmless
    await waitFor(() => held.length === 3, 5000, 'a third frame');
    await new Promise((r) => setTimeout(r, 200));
    expect(held).toHaveLength(3);
    // The third frame reuses the released buffer: pooled, not freshly allocated.
    expect(held[2]!.rgb).toBe(held[0]!.rgb);
    // Release as they come: the rest of the file flows to the end.
    const drain = setInterval(() => {
      for (const f of held) f.release();
    }, 5);
    await waitFor(() => ended, 10_000, 'end of file');
    clearInterval(drain);
    expect(held).toHaveLength(50);
    expect(new Set(held.map((f) => f.rgb)).size).toBe(2);
    sub.unsubscribe();
  });

  it('a slow consumer with a pool of 2 gets every frame intact, byte for byte what ffmpeg writes', async () => {
    const cfg = cfgOf({ width: 320, height: 240, fps: 25, poolSize: 2 });
    const hash = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
    // Reference: the same ffmpeg command, its whole stdout read at once.
    const raw = execFileSync('ffmpeg', decodeArgs(parseSource(clip), cfg), { maxBuffer: 1 << 26 });
    const frameBytes = 320 * 240 * 3;
    const want = Array.from({ length: raw.length / frameBytes }, (_, i) =>
      hash(raw.subarray(i * frameBytes, (i + 1) * frameBytes)),
    );
    const got: string[] = [];
    let rand = 7;
    await new Promise<void>((resolve, reject) => {
      openSource('s', parseSource(clip), cfg).subscribe({
        next: (ev) => {
          if (ev.kind !== 'frame') return;
          const f = ev.frame;
          rand = (rand * 1103515245 + 12345) % 2 ** 31;
          // Hash late, after a pseudo-random hold, so a buffer reused too early would show.
          setTimeout(() => {
            got[f.seq] = hash(f.rgb);
            f.release();
          }, rand % 6);
        },
        error: reject,
        complete: () => setTimeout(resolve, 20),
      });
    });
    expect(want).toHaveLength(50);
    expect(got).toEqual(want);
  });

  it('loops a file forever with cfg.loop, and unsubscribing kills ffmpeg', async () => {
    const seqs: number[] = [];
    const pts: number[] = [];
    const sub = openSource(
      's',
      parseSource(clip),
      cfgOf({ width: 160, height: 120, fps: 25, loop: true }),
    ).subscribe((ev) => {
      if (ev.kind !== 'frame') return;
      seqs.push(ev.frame.seq);
      pts.push(ev.frame.ptsMs);
      ev.frame.release();
    });
    await waitFor(() => seqs.length >= 120, 15_000, '120 frames from a 50-frame file');
    const pids = childPids('ffmpeg');
    expect(pids).toHaveLength(1);
    sub.unsubscribe();
    await waitGone(pids);
    await waitFor(() => liveChildPids().length === 0, 3000, 'the registry to see ffmpeg exit');
    expect(seqs.slice(0, 120)).toEqual([...Array(120).keys()]);
    expect(pts[119]).toBeCloseTo(119 * 40, 6);
  });

  it('paces a file at its native speed with cfg.realtime', async () => {
    const t0 = Date.now();
    const got = await collect(
      openSource('s', parseSource(clip), cfgOf({ width: 160, height: 120, fps: 10, realtime: true })),
    );
    expect(got.frames).toHaveLength(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500); // 2 s of video
  });
});
