/**
 * One RxJS pipeline per stream: ingest → detect/track → classify (shared batcher) → attention → emotion and
 * attention events → messages.
 * Stages only meet here, through their public faces and the contracts in types.ts; src/compose.ts builds
 * the parts (PipelineDeps).
 */
import {
  catchError,
  concat,
  connect,
  defer,
  EMPTY,
  filter,
  from,
  map,
  merge,
  Observable,
  type OperatorFunction,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import { attentionEvents, attentionSignals } from './attention/index.js';
import { type AuBatcher, classifyFaces } from './classify/index.js';
import type { Config } from './config/index.js';
import { detectAndTrack, type FaceDetector } from './detect/index.js';
import { emotionStage, type Rules } from './emotion/index.js';
import type { FrameSource, IngestEvent, SourceSpec } from './ingest/index.js';
import { clockMs, stageTimer } from './stage-timer.js';
import type { Frame, FrameAus, Message, StreamState } from './types.js';

/**
 * What every stream shares: the detector, the cross-stream batcher, the emotion rules, and the frame
 * source (`openSource` in production, built by src/compose.ts; tests pass a stub).
 */
export interface PipelineDeps {
  readonly config: Config;
  readonly detector: FaceDetector;
  readonly batcher: AuBatcher;
  readonly rules: Rules;
  readonly source: FrameSource;
}

export interface StreamOptions {
  /** Emits to stop the stream cleanly: the source completes, open events end, then the stream completes. */
  readonly stop$?: Observable<unknown>;
  /** Sees every decoded frame (before detection), e.g. for counters and progress. */
  readonly onFrame?: (frame: Frame) => void;
  /** Sees every frame's detect+classify result, e.g. for face counters and metrics. */
  readonly onFrameAus?: (frame: FrameAus) => void;
}

/**
 * Passes values through; with a stage timer installed (`src/stage-timer.ts`), records as `stage` the synchronous
 * time each value spends downstream (every later operator and the subscriber: attention, emotion, the sinks).
 */
function timedDownstream<T extends FrameAus>(stage: string): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((sub) =>
      source.subscribe({
        next: (f) => {
          const t = stageTimer();
          if (!t) return sub.next(f);
          const t0 = clockMs();
          sub.next(f);
          t.add(stage, clockMs() - t0, f.faces.length);
        },
        error: (e: unknown) => sub.error(e),
        complete: () => sub.complete(),
      }),
    );
}

const TERMINAL = new Set<StreamState>(['ended', 'failed']);
const isFrame = (e: IngestEvent): e is Extract<IngestEvent, { kind: 'frame' }> => e.kind === 'frame';
const isStatus = (e: IngestEvent): e is Extract<IngestEvent, { kind: 'status' }> => e.kind === 'status';

/**
 * The stream's messages in order of production: status, track start/end, AU samples, emotion events,
 * summaries and engagement. Errors (a source that cannot be read) arrive after the `failed` status.
 */
export function streamPipeline(
  streamId: string,
  source: SourceSpec,
  deps: PipelineDeps,
  opts: StreamOptions = {},
): Observable<Message> {
  const { config } = deps;
  let ingest$ = deps.source(streamId, source, config.ingest);
  if (opts.stop$) ingest$ = ingest$.pipe(takeUntil(opts.stop$));
  return ingest$.pipe(
    connect((events$) => {
      // `ended`/`failed` wait until the frames already decoded are analysed, so they stay the last word.
      const terminal: Message[] = [];
      const status$ = events$.pipe(
        filter(isStatus),
        map((e) => e.status),
        filter((s) => !(TERMINAL.has(s.state) && terminal.push(s))),
        // the source's error reaches the analysed branch too, which flushes the held `failed` status
        // before passing it on; erroring here would end the merge first and lose that status
        catchError(() => EMPTY),
      );
      const analysed$ = events$.pipe(
        filter(isFrame),
        map((e) => e.frame),
        tap((f) => opts.onFrame?.(f)),
        detectAndTrack(deps.detector, config.detect),
        classifyFaces(deps.batcher),
      );
      const emitted$ = analysed$.pipe(
        timedDownstream('after.classify'),
        // Attention signals ride in the AU samples from here on.
        attentionSignals(config.attention),
        timedDownstream('after.attention'),
        tap((f) => opts.onFrameAus?.(f)),
        // The emotion stage passes track events and AU samples through, in order, beside what it derives;
        // each frame's attention events follow its emotion-stage messages.
        connect((frames$) =>
          merge(
            frames$.pipe(emotionStage(config.emotion, deps.rules)),
            config.attention.enabled ? frames$.pipe(attentionEvents(config.attention)) : EMPTY,
          ),
        ),
      );
      const flushTerminal = defer(() => from(terminal.splice(0)));
      return merge(
        status$,
        concat(emitted$, flushTerminal).pipe(
          catchError((err) =>
            concat(
              flushTerminal,
              throwError(() => err),
            ),
          ),
        ),
      );
    }),
  );
}
