import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp folder and a function that deletes it. */
export function tempDir(prefix = 'aupipe-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function ffmpeg(args: readonly string[], input?: Uint8Array): void {
  execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], {
    input,
    stdio: [input ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
}

export interface TestsrcOptions {
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly seconds?: number;
  /** Keyframe interval in frames (short GOPs let an RTSP client start fast). */
  readonly gop?: number;
  /** Put the MP4 index first, so truncating the file keeps a readable header. */
  readonly faststart?: boolean;
  readonly pattern?: 'testsrc' | 'testsrc2';
}

/** An H.264 MP4 of ffmpeg's moving test pattern. */
export function makeTestsrc(path: string, o: TestsrcOptions = {}): string {
  const { width = 320, height = 240, fps = 25, seconds = 2, gop = fps, pattern = 'testsrc' } = o;
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `${pattern}=size=${width}x${height}:rate=${fps}`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    String(gop),
    '-pix_fmt',
    'yuv420p',
    ...(o.faststart ? ['-movflags', '+faststart'] : []),
    path,
  ]);
  return path;
}

/** Repeats a file `times` times without re-encoding (the RTSP test server stops at end of file). */
export function loopVideo(src: string, times: number, path: string): string {
  ffmpeg(['-stream_loop', String(times - 1), '-i', src, '-c', 'copy', path]);
  return path;
}

/** Eight vertical bars, one pure colour each, left to right. */
export const BARS: readonly (readonly [number, number, number])[] = [
  [255, 255, 255],
  [255, 255, 0],
  [0, 255, 255],
  [0, 255, 0],
  [255, 0, 255],
  [255, 0, 0],
  [0, 0, 255],
  [0, 0, 0],
];

/** Raw RGB24 pixels of the colour bars at width x height. */
export function barsRgb(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = BARS[Math.floor((x * BARS.length) / width)]!;
      rgb.set(c, (y * width + x) * 3);
    }
  }
  return rgb;
}

/**
 * Encodes `frames` copies of the bars: `lossless` keeps RGB exactly (H.264 RGB, qp 0, in Matroska),
 * otherwise ordinary yuv420p H.264 in MP4 (colours only approximately preserved).
 */
export function makeBars(
  path: string,
  width: number,
  height: number,
  frames: number,
  lossless: boolean,
): string {
  const one = barsRgb(width, height);
  const all = new Uint8Array(one.length * frames);
  for (let i = 0; i < frames; i++) all.set(one, i * one.length);
  const codec = lossless
    ? ['-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24']
    : ['-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p'];
  ffmpeg(
    [
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      '10',
      '-i',
      'pipe:0',
      ...codec,
      path,
    ],
    all,
  );
  return path;
}
