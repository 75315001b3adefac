/** Sequential RGB24 frames of a video file through ffmpeg (a dataset tool, not the live ingest path). */
import { SourceError } from '../errors.js';
import { classifyStderr, runFfmpeg, sourceError, spawnFfmpeg } from '../ingest/index.js';
import type { RgbImage } from '../types.js';

export async function probeVideo(file: string): Promise<{ width: number; height: number }> {
  const { stdout } = await runFfmpeg(
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
    { bin: 'ffprobe' },
  );
  const out = stdout.toString();
  const m = /(\d+),(\d+)/.exec(out);
  if (!m) throw new SourceError('NOT_A_VIDEO', `${file}: no readable video stream`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Yields every frame in order (index 0 first). Stops the decoder if the consumer stops early. */
export async function* readFrames(file: string): AsyncGenerator<RgbImage> {
  const { width, height } = await probeVideo(file);
  const size = width * height * 3;
  const child = spawnFfmpeg(['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
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
    const exit = await child.exited;
    if (exit.spawnError) throw exit.spawnError;
    if (exit.code !== 0) throw sourceError(file, classifyStderr(exit.stderr));
  } finally {
    child.kill(); // a no-op once it has exited
  }
}
