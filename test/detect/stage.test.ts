import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lastValueFrom, merge, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, PACKAGE_ROOT } from '../../src/config/index.js';
import { createFaceDetector, detectAndTrack, type FaceDetector } from '../../src/detect/index.js';
import type { FrameFaces } from '../../src/types.js';
import { type FrameStats, videoFrames } from './frames.js';

const SHOT = 45; // frames per shot (1.5 s at 30 fps)
const demo = (f: string) => path.join(PACKAGE_ROOT, 'node_modules/@vladmandic/face-api/demo', f);

/** Two shots with a slow zoom and pan each: sample4 (4 faces), then a cut to sample1 (3 faces). */
function makeVideo(file: string): void {
  const shot = (i: number, zoom: number, fx: number) =>
    `[${i}]scale=1280:960:force_original_aspect_ratio=increase,crop=1280:960,setsar=1,` +
    `zoompan=z='1+${zoom - 1}*on/${SHOT}':x='(iw-iw/zoom)*${fx}':y='(ih-ih/zoom)*0.3':d=1:s=640x480:fps=30,` +
    `trim=end_frame=${SHOT},setpts=PTS-STARTPTS,format=yuv420p[v${i}]`;
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-loop', '1', '-framerate', '30', '-t', '2', '-i', demo('sample4.jpg'),
    '-loop', '1', '-framerate', '30', '-t', '2', '-i', demo('sample1.jpg'),
    '-filter_complex', `${shot(0, 1.15, 0.3)};${shot(1, 1.15, 0.6)};[v0][v1]concat=n=2:v=1:a=0[v]`,
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', file,
  ]); // biome-ignore format: ffmpeg args read best in pairs
}

let dir: string;
let video: string;
let detector: FaceDetector;
let out: FrameFaces[];
const stats: FrameStats = { released: 0, emitted: 0 };
const cfg = configSchema.parse({ detect: { every: 3 } }).detect;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'aupipe-detect-'));
  video = path.join(dir, 'pan.mp4');
  makeVideo(video);
  detector = await createFaceDetector(cfg);
  out = await lastValueFrom(
    videoFrames(video, 640, 480, 'cam', stats).pipe(detectAndTrack(detector, cfg), toArray()),
  );
}, 120_000);

afterAll(async () => {
  await detector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const idsIn = (frames: FrameFaces[]) => new Set(frames.flatMap((f) => f.faces.map((x) => x.trackId)));

describe('detectAndTrack on a panned, zoomed video with a cut', () => {
  it('emits one FrameFaces per frame in order (plus the final one) and releases every frame', () => {
    expect(stats.emitted).toBe(2 * SHOT);
    expect(stats.released).toBe(stats.emitted);
    expect(out.slice(0, 2 * SHOT).map((f) => f.seq)).toEqual([...Array(2 * SHOT).keys()]);
    expect(out.length).toBe(2 * SHOT + 1);
  });

  it('keeps one trackId per person while in view', () => {
    const one = out.slice(0, SHOT);
    const two = out.slice(SHOT, 2 * SHOT);
    expect(idsIn(one).size).toBe(4);
    expect(idsIn(two).size).toBe(3);
    for (const shot of [one, two])
      for (const id of idsIn(shot)) {
        const seen = shot.filter((f) => f.faces.some((x) => x.trackId === id)).length;
        // the tilted face on the far left of sample4 scores near minScore at this size and is missed on
        // some frames; it must still keep its id
        expect(seen).toBeGreaterThanOrEqual(shot.length * 0.5);
      }
    const starts = out.flatMap((f) => f.tracks.filter((t) => t.phase === 'start'));
    expect(starts.length).toBe(7);
  });

  it('ends the tracks at the cut and starts new ones for the new photo', () => {
    const first = idsIn(out.slice(0, SHOT));
    const cut = out[SHOT]!;
    const ended = cut.tracks.filter((t) => t.phase === 'end').map((t) => t.trackId);
    const started = cut.tracks.filter((t) => t.phase === 'start').map((t) => t.trackId);
    expect(new Set(ended)).toEqual(first);
    expect(started.length).toBe(3);
    for (const id of started) expect(first.has(id)).toBe(false);
    for (const e of cut.tracks.filter((t) => t.phase === 'end')) expect(e.ptsMs).toBeLessThan(cut.ptsMs);
    expect(cut.faces.every((x) => x.detected)).toBe(true);
  });

  it('ends every open track on completion, and every start has one end', () => {
    const last = out.at(-1)!;
    expect(last.faces).toEqual([]);
    expect(new Set(last.tracks.map((t) => t.trackId))).toEqual(idsIn(out.slice(SHOT, 2 * SHOT)));
    const all = out.flatMap((f) => f.tracks);
    const started = all
      .filter((t) => t.phase === 'start')
      .map((t) => t.trackId)
      .sort();
    const ended = all
      .filter((t) => t.phase === 'end')
      .map((t) => t.trackId)
      .sort();
    expect(ended).toEqual(started);
  });

  it('runs the detector every k-th frame and follows faces in between, with aligned crops', () => {
    const detected = out
      .slice(0, SHOT)
      .filter((f) => f.faces.some((x) => x.detected))
      .map((f) => f.seq);
    expect(detected).toEqual([...Array(SHOT).keys()].filter((s) => s % cfg.every === 0));
    const followed = out
      .slice(0, SHOT)
      .filter((f) => f.faces.length > 0 && f.faces.every((x) => !x.detected));
    expect(followed.length).toBeGreaterThan(SHOT / 2);
    for (const f of out.slice(0, 2 * SHOT))
      for (const x of f.faces) {
        expect(x.crop.width).toBe(cfg.cropSize);
        expect(x.crop.rgb.length).toBe(cfg.cropSize * cfg.cropSize * 3);
        expect(x.crop.templateId).toBe('aupipe-5pt-v1');
        expect(x.streamId).toBe('cam');
      }
  });

  it('gives the same result per stream when two streams share one detector', async () => {
    const n = 20;
    const run = (id: string) =>
      videoFrames(video, 640, 480, id, undefined, n).pipe(detectAndTrack(detector, cfg));
    const both = await lastValueFrom(merge(run('a'), run('b')).pipe(toArray()));
    for (const id of ['a', 'b']) {
      const mine = both.filter((f) => f.streamId === id).slice(0, n);
      expect(mine.map((f) => f.faces.map((x) => [x.trackId, Math.round(x.box.x)]))).toEqual(
        out.slice(0, n).map((f) => f.faces.map((x) => [x.trackId, Math.round(x.box.x)])),
      );
    }
  });
});
