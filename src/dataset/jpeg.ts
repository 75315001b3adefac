import { spawn } from 'node:child_process';
import { SourceError } from '../errors.js';
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

function pipe(args: readonly string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e) => reject(new SourceError('FFMPEG_MISSING', `cannot run ffmpeg: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new SourceError('ENCODE_FAILED', `ffmpeg: ${err.trim()}`)),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
