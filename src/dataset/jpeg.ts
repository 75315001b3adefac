import { SourceError } from '../errors.js';
import { runFfmpeg } from '../ingest/index.js';
import type { RgbImage } from '../types.js';

/** Encodes to JPEG at ffmpeg quality `q` (2 best – 31 worst) and decodes back: real compression artefacts. */
export function jpegRoundTrip(img: RgbImage, q: number): Promise<RgbImage> {
  const size = `${img.width}x${img.height}`;
  const args = ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', size, '-i', '-'];
  const enc = [...args, '-frames:v', '1', '-q:v', String(q), '-f', 'mjpeg', '-'];
  return pipe(enc, img.rgb).then(async (jpg) => {
    const raw = await pipe(
      ['-v', 'error', '-f', 'mjpeg', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      jpg,
    );
    if (raw.length !== img.rgb.length)
      throw new SourceError('ENCODE_FAILED', 'JPEG round trip changed the size');
    return {
      width: img.width,
      height: img.height,
      rgb: new Uint8Array(raw.buffer, raw.byteOffset, raw.length),
    };
  });
}

async function pipe(args: readonly string[], input: Uint8Array): Promise<Buffer> {
  const { stdout, exit } = await runFfmpeg(args, { stdin: input });
  if (exit.code !== 0) throw new SourceError('ENCODE_FAILED', `ffmpeg: ${exit.stderr.trim()}`);
  return stdout;
}
