/**
 * RxJS edge of the emotion stage: FrameAus in, Messages out, in order. All decisions live in the
 * engine (stream time); the only wall-clock logic is the idle close: when no frame arrives for
 * `idleCloseMs` (a stalled live source), open events end instead of dangling. On completion or error
 * of the source every open event ends before the stage completes or errors. Stop the pipeline by
 * completing its source (not by unsubscribing) so that the final `end` events are delivered.
 */
import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { FrameAus, Message } from '../types.js';
import { type EmotionConfig, EmotionEngine } from './engine.js';
import type { Rules } from './rules.js';

export interface EmotionStageOptions {
  /** Clock for the idle close; a TestScheduler in tests. */
  readonly scheduler?: SchedulerLike;
}

export function emotionStage(
  cfg: EmotionConfig,
  rules: Rules,
  opts: EmotionStageOptions = {},
): OperatorFunction<FrameAus, Message> {
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<Message>((sub) => {
      const engine = new EmotionEngine(cfg, rules);
      let idle: Subscription | null = null;
      const emit = (msgs: readonly Message[]) => {
        for (const m of msgs) sub.next(m);
      };
      const armIdle = () => {
        idle?.unsubscribe();
        if (cfg.idleCloseMs > 0) idle = scheduler.schedule(() => emit(engine.closeOpen()), cfg.idleCloseMs);
      };
      const inner = source.subscribe({
        next: (f) => {
          emit(engine.onFrame(f));
          armIdle();
        },
        error: (err: unknown) => {
          idle?.unsubscribe();
          emit(engine.flush());
          sub.error(err);
        },
        complete: () => {
          idle?.unsubscribe();
          emit(engine.flush());
          sub.complete();
        },
      });
      return () => {
        idle?.unsubscribe();
        inner.unsubscribe();
      };
    });
}
