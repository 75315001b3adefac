import { Subject } from 'rxjs';
import { createPipelineDeps, createSinks } from '../compose.js';
import { SinkError } from '../errors.js';
import { parseSource, probe, type SourceSpec } from '../ingest/index.js';
import { createLogger } from '../log.js';
import { streamPipeline } from '../pipeline.js';
import { Progress } from '../progress.js';
import { FanoutPublisher, type Undelivered } from '../sink/index.js';
import { RunCounters, type RunSummary } from '../summary.js';
import { configFrom } from './common.js';

export interface RunOptions {
  readonly source: string;
  readonly config?: string;
  readonly logLevel?: string;
  readonly jsonl?: string;
  readonly streamId?: string;
  readonly flags: Record<string, unknown>;
}

/** Probes a file before the models load, so an unreadable file fails fast; the frame count feeds progress. */
async function expectedFrames(spec: SourceSpec, fps: number): Promise<number | undefined> {
  if (spec.kind === 'rtsp') return undefined;
  const info = await probe(spec.path);
  return info.durationMs ? Math.round((info.durationMs / 1000) * fps) : undefined;
}

/**
 * `aupipe run`: one source through the whole pipeline. Files run to their end; live sources until
 * SIGINT/SIGTERM, which completes the source so open events end and sinks flush before exit.
 * Resolves with the summary; rejects with the pipeline's error (after flushing what was produced), or with
 * SINK_UNDELIVERED when events could not reach the broker by shutdown (the summary says how many).
 */
export async function runCommand(o: RunOptions, onSummary: (s: RunSummary) => void): Promise<void> {
  const config = configFrom(o, o.flags);
  const log = createLogger(config.logLevel);
  const spec = parseSource(o.source);
  const counters = new RunCounters();
  // `run` publishes on NATS only to a configured broker; `serve` and the demo start an embedded one.
  const sinks = await createSinks(config, (level, msg, fields) => log[level](fields ?? {}, msg), {
    ...(o.jsonl ? { jsonl: o.jsonl } : {}),
  });
  const sink = new FanoutPublisher(sinks.publishers);
  const stop$ = new Subject<void>();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    log.info(
      { signal: sig },
      signals === 1 ? 'stopping: finishing open events' : 'second signal: exiting now',
    );
    if (signals === 1) stop$.next();
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const total = await expectedFrames(spec, config.ingest.fps).catch((err) => {
    onSummary(counters.snapshot());
    throw err;
  });
  const deps = await createPipelineDeps(config, log);
  const progress = new Progress(total);
  let left: Undelivered = { messages: 0, events: 0 };
  try {
    await new Promise<void>((resolve, reject) => {
      streamPipeline(o.streamId ?? 'main', spec, deps, {
        stop$,
        onFrame: () => {
          counters.frames++;
          progress.update(counters.frames);
        },
        onFrameAus: (f) => {
          counters.faces += f.faces.length;
        },
      }).subscribe({
        next: (msg) => {
          counters.count(msg);
          sink.publish(msg);
          if (msg.type === 'status')
            log.info({ state: msg.state, detail: msg.detail, code: msg.code }, 'stream status');
        },
        error: reject,
        complete: resolve,
      });
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.flush().catch(() => undefined);
    await sink.close().catch(() => undefined);
    await deps.close().catch(() => undefined);
    left = sink.undelivered();
    onSummary({ ...counters.snapshot(), ...(left.messages ? { undelivered: left } : {}) });
  }
  if (left.events > 0)
    throw new SinkError(
      'SINK_UNDELIVERED',
      `${left.events} event/status message(s) and ${left.messages - left.events} AU/engagement/track message(s) could not be delivered to NATS within sink.nats.flushTimeoutMs (${config.sink.nats.flushTimeoutMs} ms) at shutdown: the broker is unreachable`,
    );
}
