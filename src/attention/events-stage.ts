/**
 * RxJS edge of the attention events: FrameAus in, AttentionEvents out, in order. Decisions live in
 * `AttentionEventEngine` (stream time); the only wall-clock logic is the idle close, as in the emotion stage.
 */
import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { AttentionConfig } from '../config/index.js';
import type { AttentionEvent, FrameAus } from '../types.js';
import { AttentionEventEngine } from './events.js';

export function attentionEvents(
  cfg: AttentionConfig,
  opts: { readonly scheduler?: SchedulerLike } = {},
): OperatorFunction<FrameAus, AttentionEvent> {
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<AttentionEvent>((sub) => {
      const engine = new AttentionEventEngine(cfg);
      let idle: Subscription | null = null;
      const emit = (msgs: readonly AttentionEvent[]) => {
        for (const m of msgs) sub.next(m);
      };
      const inner = source.subscribe({
        next: (f) => {
          emit(engine.onFrame(f));
          idle?.unsubscribe();
          if (cfg.idleCloseMs > 0) idle = scheduler.schedule(() => emit(engine.closeOpen()), cfg.idleCloseMs);
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
