import { Subject } from 'rxjs';
import { createPipelineDeps, createSinks } from '../compose.js';
import { SinkError } from '../errors.js';
import { parseSource, probe, type SourceSpec } from '../ingest/index.js';
import { createLogger } from '../log.js';
import { streamPipeline } from '../pipeline.js';
import { Progress } from '../progress.js';
import { FanoutPublisher, type Undelivered } from '../sink/index.js';
import { RunCounters, type RunSummary } from '../summary.js';
import type { StreamStatus } from '../types.js';
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
/** `run`'s exit status when a file ended early with an error (corrupt part-way): what was read went out. */
export const EXIT_SOURCE_ENDED_EARLY = 3;

export async function runCommand(o: RunOptions, onSummary: (s: RunSummary) => void): Promise<number> {
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
  const total = await expectedFrames(spec, config.ingest.fps).catch(async (err) => {
    // nothing ran: close what was opened (NATS connection, JSONL file) and let go of the signals
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.close().catch(() => undefined);
    onSummary(counters.snapshot());
    throw err;
  });
  const deps = await createPipelineDeps(config, log).catch(async (err) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.close().catch(() => undefined);
    throw err;
  });
  const progress = new Progress(total);
  let left: Undelivered = { messages: 0, events: 0 };
  let end: (StreamStatus & { state: 'ended' | 'failed' }) | undefined;
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
          if (msg.type === 'status') {
            if (msg.state === 'ended' || msg.state === 'failed') end = { ...msg, state: msg.state };
            // an end with a code is a source that broke off: say so at warn, not info
            log[msg.code ? 'warn' : 'info'](
              { state: msg.state, detail: msg.detail, code: msg.code },
              'stream status',
            );
          }
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
    onSummary({
      ...counters.snapshot(),
      ...(left.messages ? { undelivered: left } : {}),
      ...(end?.code
        ? { source: { state: end.state, code: end.code, ...(end.detail && { detail: end.detail }) } }
        : {}),
    });
  }
  if (left.events > 0)
    throw new SinkError(
      'SINK_UNDELIVERED',
      `${left.events} event/status message(s) and ${left.messages - left.events} AU/engagement/track message(s) could not be delivered to NATS within sink.nats.flushTimeoutMs (${config.sink.nats.flushTimeoutMs} ms) at shutdown: the broker is unreachable`,
    );
  if (end?.state === 'ended' && end.code) {
    process.stderr.write(
      `aupipe run: ${end.code}: ${end.detail ?? 'the source ended with an error'} (the frames before it were analysed and published; exit ${EXIT_SOURCE_ENDED_EARLY})\n`,
    );
    return EXIT_SOURCE_ENDED_EARLY;
  }
  return 0;
}
