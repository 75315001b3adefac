import type { Observable } from 'rxjs';
import type { IngestEvent } from '../../src/ingest/index.js';
import type { StreamStatus } from '../../src/types.js';
import { childPids } from './processes.js';

export interface FrameInfo {
  readonly seq: number;
  readonly ptsMs: number;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly decodedAt: number;
}

export interface Collected {
  readonly frames: FrameInfo[];
  readonly statuses: StreamStatus[];
  readonly error?: { code: string; message: string };
  /** Every ffmpeg child PID seen while the source ran (sampled every few ms and at each event). */
  readonly pids: number[];
}

/**
 * Subscribes, records frames (releasing each at once unless `keep` says otherwise) and statuses, and
 * resolves when the source ends or errors; never rejects.
 */
export function collect(
  src: Observable<IngestEvent>,
  onFrame?: (rgb: Uint8Array, info: FrameInfo) => void,
): Promise<Collected> {
  const frames: FrameInfo[] = [];
  const statuses: StreamStatus[] = [];
  const pids = new Set<number>();
  const sample = () => {
    for (const p of childPids('ffmpeg')) pids.add(p);
  };
  const poll = setInterval(sample, 5);
  return new Promise<Collected>((resolve) => {
    src.subscribe({
      next: (ev) => {
        sample();
        if (ev.kind === 'status') {
          statuses.push(ev.status);
          return;
        }
        const f = ev.frame;
        const info = {
          seq: f.seq,
          ptsMs: f.ptsMs,
          width: f.width,
          height: f.height,
          bytes: f.rgb.length,
          decodedAt: f.decodedAt,
        };
        frames.push(info);
        onFrame?.(f.rgb, info);
        f.release();
      },
      error: (e: { code: string; message: string }) =>
        resolve({ frames, statuses, error: { code: e.code, message: e.message }, pids: [...pids] }),
      complete: () => resolve({ frames, statuses, pids: [...pids] }),
    });
  }).finally(() => clearInterval(poll));
}

export const states = (c: Collected): string[] => c.statuses.map((s) => s.state);
