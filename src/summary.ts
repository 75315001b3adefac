import type { Message } from './types.js';

/** Counts for the one-line JSON summary that `run` prints on exit. */
export interface RunSummary {
  frames: number;
  faces: number;
  tracks: number;
  auSamples: number;
  events: number;
  seconds: number;
  /** What the sinks could not deliver by shutdown (absent when everything went out). */
  undelivered?: { messages: number; events: number };
  /** How the source ended when it ended with an error code (e.g. a file corrupt part-way: CORRUPT_INPUT). */
  source?: { state: 'ended' | 'failed'; code: string; detail?: string };
}

/** Mutable counters a pipeline updates as messages and frames pass; `snapshot` gives the summary. */
export class RunCounters {
  frames = 0;
  faces = 0;
  tracks = 0;
  auSamples = 0;
  events = 0;
  private readonly started: number;
  constructor(private readonly now: () => number = () => performance.now()) {
    this.started = now();
  }
  /** Counts a published message: track starts, AU samples and emotion event starts. */
  count(msg: Message): void {
    if (msg.type === 'track' && msg.phase === 'start') this.tracks++;
    else if (msg.type === 'au') this.auSamples++;
    else if (msg.type === 'emotion' && msg.phase === 'start') this.events++;
  }
  snapshot(): RunSummary {
    const seconds = Math.round((this.now() - this.started) / 10) / 100;
    const { frames, faces, tracks, auSamples, events } = this;
    return { frames, faces, tracks, auSamples, events, seconds };
  }
}
