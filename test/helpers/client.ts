/** The browser client in tests: its bundle, a fake camera from a real clip, Chromium that plays it. */
import { spawnSync } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';

/** Chromium with a fake camera that plays `y4m` (looped). */
export function launchWithCamera(y4m: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${y4m}`,
    ],
  });
}

/** Builds the client bundle into `dir` (the same script as `npm run build:client`). */
export function buildClient(dir: string): void {
  const r = spawnSync(process.execPath, ['scripts/build-client.mjs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build:client failed: ${r.stderr}`);
}

/** A y4m (Chromium's fake-capture format) of the first `seconds` of `video`, at `fps`. */
export function makeY4m(video: string, out: string, seconds: number, fps: number): void {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-i', video, '-t', String(seconds), '-r', String(fps), '-pix_fmt', 'yuv420p', out],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

/** The first `n` frames of `video` at `fps`, RGB24 at W×H. */
export function decodeFrames(video: string, n: number, fps: number, W: number, H: number): Uint8Array[] {
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      video,
      '-vf',
      `fps=${fps},scale=${W}:${H}`,
      '-frames:v',
      String(n),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: 1 << 30 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const size = W * H * 3;
  return Array.from(
    { length: r.stdout.length / size },
    (_, i) => new Uint8Array(r.stdout.subarray(i * size, (i + 1) * size)),
  );
}
