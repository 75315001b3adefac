/** Sequential RGB24 frames of a video file through ffmpeg (a dataset tool, not the live ingest path). */
import { spawn } from 'node:child_process';
import { SourceError } from '../errors.js';
import type { RgbImage } from '../types.js';

export async function probeVideo(file: string): Promise<{ width: number; height: number }> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0',
      file,
    ]);
    let s = '';
    p.stdout.on('data', (d: Buffer) => {
      s += d.toString();
    });
    p.on('error', (e) => reject(new SourceError('FFMPEG_MISSING', `cannot run ffprobe: ${e.message}`)));
    p.on('close', () => resolve(s));
  });
  const m = /(\d+),(\d+)/.exec(out);
  if (!m) throw new SourceError('NOT_A_VIDEO', `${file}: no readable video stream`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Yields every frame in order (index 0 first). Stops the decoder if the consumer stops early. */
export async function* readFrames(file: string): AsyncGenerator<RgbImage> {
  const { width, height } = await probeVideo(file);
  const size = width * height * 3;
  const child = spawn('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const closed = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  let buf = new Uint8Array(size);
  let fill = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(size - fill, chunk.length - off);
        buf.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === size) {
          yield { width, height, rgb: buf };
          buf = new Uint8Array(size);
          fill = 0;
        }
      }
    }
    const code = await closed;
    if (code !== 0)
      throw new SourceError('DECODE_FAILED', `${file}: ffmpeg failed (${err.trim().split('\n').pop()})`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
