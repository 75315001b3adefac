/** Test/bench helper: decodes a video with ffmpeg into Frames (own buffers, release counted). */
import { spawn } from 'node:child_process';
import { Observable } from 'rxjs';
import type { Frame } from '../../src/types.js';

export interface FrameStats {
  released: number;
  emitted: number;
}

export function videoFrames(
  file: string,
  width: number,
  height: number,
  streamId = 'test',
  stats: FrameStats = { released: 0, emitted: 0 },
  maxFrames = Number.POSITIVE_INFINITY,
): Observable<Frame> {
  return new Observable<Frame>((sub) => {
    const ff = spawn('ffmpeg', [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      `scale=${width}:${height}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ]);
    const size = width * height * 3;
    let buf = new Uint8Array(size);
    let fill = 0;
    let seq = 0;
    ff.stdout.on('data', (d: Buffer) => {
      let o = 0;
      while (o < d.length && seq < maxFrames) {
        const n = Math.min(size - fill, d.length - o);
        buf.set(d.subarray(o, o + n), fill);
        fill += n;
        o += n;
        if (fill < size) continue;
        let released = false;
        const frame: Frame = {
          streamId,
          seq,
          ptsMs: (seq * 1000) / 30,
          width,
          height,
          rgb: buf,
          decodedAt: Date.now(),
          release: () => {
            if (!released) stats.released++;
            released = true;
          },
        };
        seq++;
        stats.emitted++;
        sub.next(frame);
        buf = new Uint8Array(size);
        fill = 0;
      }
    });
    ff.on('error', (e) => sub.error(e));
    ff.on('close', (code) =>
      code === 0 || seq >= maxFrames ? sub.complete() : sub.error(new Error(`ffmpeg exit ${code}`)),
    );
    return () => ff.kill('SIGKILL');
  });
}
