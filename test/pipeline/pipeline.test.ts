/**
 * The pipeline on its own: a stub FrameSource (frames with their own pts: stream time, no clock, no
 * ffmpeg), a stub detector and a stub estimator, through the real detect/track, batcher, emotion stages.
 */
import { readFileSync } from 'node:fs';
import { concat, from, lastValueFrom, NEVER, type Observable, Subject, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuBatcher, type AuEstimator } from '../../src/classify/index.js';
import { configSchema } from '../../src/config/index.js';
import type { FaceDetector } from '../../src/detect/index.js';
import { loadRules } from '../../src/emotion/index.js';
import { SourceError } from '../../src/errors.js';
import type { FrameSource, IngestEvent } from '../../src/ingest/index.js';
import { type PipelineDeps, streamPipeline } from '../../src/pipeline.js';
import { StageTimes, setStageTimer } from '../../src/stage-timer.js';
import {
  AU_KEYS,
  type AuVector,
  type FaceDetection,
  type Frame,
  type Message,
  SCHEMA_VERSION,
  type StreamState,
} from '../../src/types.js';

const W = 320;
const H = 240;
const FPS = 10;
const config = configSchema.parse({
  logLevel: 'silent',
  ingest: { width: W, height: H, fps: FPS },
  detect: { every: 1 },
  classify: { maxBatch: 1, maxWaitMs: 0 },
});
const rules = loadRules(config.emotion.rules);

/** One real face mesh (the yardstick's first photo face), moved into the stub frame. */
const face: FaceDetection = (() => {
  const fx = JSON.parse(readFileSync('test/fixtures/meshes/real-faces.json', 'utf8')) as {
    faces: { mesh: number[] }[];
  };
  const mesh = Float32Array.from(fx.faces[0]!.mesh, (v, i) =>
    i % 3 === 0 ? v - 400 : i % 3 === 1 ? v - 370 : v,
  );
  const xs = mesh.filter((_, i) => i % 3 === 0);
  const ys = mesh.filter((_, i) => i % 3 === 1);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { box: { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y }, score: 0.99, mesh };
})();

const detector: FaceDetector = {
  detect: async () => [face],
  close: async () => {},
};

/** A smile on every face: AU6 and AU12 high, everything else low. */
const estimator: AuEstimator = {
  name: 'stub',
  estimate: async (faces) =>
    faces.map(
      () =>
        Object.fromEntries(AU_KEYS.map((k) => [k, k === 'AU6' || k === 'AU12' ? 0.95 : 0.02])) as AuVector,
    ),
  close: async () => {},
};

const released: number[] = [];
function frame(seq: number): IngestEvent {
  return {
    kind: 'frame',
    frame: {
      streamId: 's',
      seq,
      ptsMs: (seq * 1000) / FPS,
      width: W,
      height: H,
      rgb: new Uint8Array(W * H * 3).fill(90),
      decodedAt: 0,
      release: () => released.push(seq),
    } satisfies Frame,
  };
}
function status(state: StreamState, atMs: number): IngestEvent {
  return { kind: 'status', status: { v: SCHEMA_VERSION, type: 'status', streamId: 's', state, atMs } };
}
const frames = (n: number) => Array.from({ length: n }, (_, i) => frame(i));

function deps(source: FrameSource): PipelineDeps {
  return { config, detector, batcher: new AuBatcher(estimator, config.classify), rules, source };
}
const stub =
  (events: Observable<IngestEvent>): FrameSource =>
  () =>
    events;

const states = (ms: readonly Message[]) => ms.flatMap((m) => (m.type === 'status' ? [m.state] : []));

describe('streamPipeline', () => {
  it('takes its frames from the injected source and emits status, tracks, AU samples and emotion events in order', async () => {
    released.length = 0;
    const source = stub(
      from([status('connecting', 0), status('live', 0), ...frames(40), status('ended', 4000)]),
    );
    const seen: number[] = [];
    const out = await lastValueFrom(
      streamPipeline('s', { kind: 'file', path: '/stub.mp4' }, deps(source), {
        onFrame: (f) => seen.push(f.seq),
      }).pipe(toArray()),
    );
    expect(seen).toEqual(frames(40).map((_, i) => i));
    expect(released.sort((a, b) => a - b)).toEqual(seen);
    expect(states(out)).toEqual(['connecting', 'live', 'ended']);
    expect(out.at(-1)).toMatchObject({ type: 'status', state: 'ended' });
    const aus = out.filter((m) => m.type === 'au');
    expect(aus).toHaveLength(40);
    expect(aus.map((m) => m.seq)).toEqual(seen);
    expect(aus.every((m) => m.model === 'stub')).toBe(true);
    const tracks = out.flatMap((m) => (m.type === 'track' ? [m.phase] : []));
    expect(tracks).toEqual(['start', 'end']);
    const happy = out.flatMap((m) => (m.type === 'emotion' && m.emotion === 'happiness' ? [m] : []));
    expect(happy[0]?.phase).toBe('start');
    expect(happy.at(-1)?.phase).toBe('end');
    expect(new Set(happy.map((e) => e.id)).size).toBe(1);
    // the stream's own times: the event starts within the 4 s of stub frames
    expect(happy[0]!.startMs).toBeGreaterThanOrEqual(0);
    expect(happy[0]!.startMs).toBeLessThan(4000);
  });

  it('with the stage timer on, emits the same messages and records the track and downstream spans', async () => {
    const run = () =>
      lastValueFrom(
        streamPipeline(
          's',
          { kind: 'file', path: '/stub.mp4' },
          deps(stub(from([status('live', 0), ...frames(12), status('ended', 1200)]))),
        ).pipe(toArray()),
      );
    const off = await run();
    const times = new StageTimes();
    setStageTimer(times);
    let on: Message[];
    try {
      on = await run();
    } finally {
      setStageTimer(undefined);
    }
    expect(on).toEqual(off);
    const s = times.snapshot();
    expect(s['track.shot']?.calls).toBe(12);
    expect(s['track+align']?.faces).toBe(12);
    expect(s['after.classify']?.faces).toBe(12);
    expect(s['after.attention']?.calls).toBe(13); // and the final frame that ends the track
    expect(s['after.classify']!.ms).toBeGreaterThanOrEqual(s['after.attention']!.ms);
  });

  it('a source that fails errors the stream with its error, after the status it had sent', async () => {
    const err = new SourceError('SOURCE_NOT_FOUND', 'gone');
    const source = stub(
      concat(
        from([status('connecting', 0), ...frames(5), status('failed', 500)]),
        throwError(() => err),
      ),
    );
    const out: Message[] = [];
    const failure = await new Promise<unknown>((resolve) =>
      streamPipeline('s', { kind: 'file', path: '/stub.mp4' }, deps(source)).subscribe({
        next: (m) => out.push(m),
        error: resolve,
        complete: () => resolve(undefined),
      }),
    );
    expect(failure).toBe(err);
    expect(out[0]).toMatchObject({ type: 'status', state: 'connecting' });
    // the `failed` status is the last word before the error (it used to be lost: the status branch
    // errored the merge before the terminal statuses were flushed)
    expect(states(out)).toEqual(['connecting', 'failed']);
    expect(out.at(-1)).toMatchObject({ type: 'status', state: 'failed' });
    expect(out.filter((m) => m.type === 'au').length).toBeLessThanOrEqual(5);
  });

  it('stop$ ends a live source cleanly: open tracks and events end, then the stream completes', async () => {
    const stop$ = new Subject<void>();
    const source = stub(concat(from([status('live', 0), ...frames(30)]), NEVER));
    let samples = 0;
    const out = await lastValueFrom(
      streamPipeline('s', { kind: 'rtsp', url: 'rtsp://stub/' }, deps(source), {
        stop$,
        onFrameAus: (f) => {
          samples += f.samples.length;
          if (samples === 30) stop$.next();
        },
      }).pipe(toArray()),
    );
    expect(out.filter((m) => m.type === 'au')).toHaveLength(30);
    const last = out.filter((m) => m.type === 'track').at(-1);
    expect(last).toMatchObject({ phase: 'end' });
    const happy = out.filter((m) => m.type === 'emotion');
    expect(happy.at(-1)).toMatchObject({ phase: 'end' });
  });
});
