/**
 * The emotion stage without RxJS: frames in, messages out, in order. Stream time (`ptsMs`) is the
 * clock for smoothing, lifecycles, summaries and engagement, so a file replays identically however
 * fast it is processed. Handles any number of streams; `flush` ends everything still open.
 */
import type { Config } from '../config/index.js';
import type { FrameAus, Message, TrackEvent } from '../types.js';
import { SCHEMA_VERSION } from '../types.js';
import { engagementScore, SlidingWindow, streamComponents, trackComponents } from './engagement.js';
import type { Rules } from './rules.js';
import { OneEuroFilter } from './smoothing.js';
import { TrackAnalyzer, type TrackConfig } from './track.js';

export type EmotionConfig = Config['emotion'];

interface StreamState {
  readonly tracks: Map<number, TrackAnalyzer>;
  /** Ended tracks whose samples are still inside the engagement window (stream aggregate only). */
  ended: TrackAnalyzer[];
  readonly frames: SlidingWindow<{ tMs: number; dtMs: number; face: boolean }>;
  readonly lastStart: Map<string, { ms: number; n: number }>;
  firstMs: number;
  lastFrameMs: number;
  lastEngagementMs: number;
  nextSummaryMs: number;
  nextEngagementMs: number;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function trackConfigOf(cfg: EmotionConfig): TrackConfig {
  const hyst = {
    on: cfg.onThreshold,
    off: cfg.offThreshold,
    minDurationMs: cfg.minDurationMs,
    minOffMs: cfg.minOffMs,
  };
  return {
    smoothing:
      cfg.smoothing === 'one-euro'
        ? () =>
            new OneEuroFilter({ minCutoffHz: cfg.oneEuroMinCutoffHz, beta: cfg.oneEuroBeta, dCutoffHz: 1 })
        : cfg.smoothingMs,
    gapGraceMs: cfg.gapGraceMs,
    lifecycle: { ...hyst, updateIntervalMs: cfg.updateIntervalMs, updateMinDelta: cfg.updateMinDelta },
    auPresence: hyst,
    sustain: { ...hyst, minDurationMs: cfg.engagementSustainMs },
  };
}

export class EmotionEngine {
  private readonly streams = new Map<string, StreamState>();
  private readonly trackCfg: TrackConfig;
  constructor(
    private readonly cfg: EmotionConfig,
    private readonly rules: Rules,
  ) {
    this.trackCfg = trackConfigOf(cfg);
  }

  /** Event ids: `${streamId}:${trackId}:${emotion}:${round(startMs)}`, suffixed `.n` if a source restart repeats one. */
  private mint(st: StreamState, streamId: string, trackId: number, emotion: string, startMs: number): string {
    const key = `${trackId}:${emotion}`;
    const ms = Math.round(startMs);
    const prev = st.lastStart.get(key);
    const n = prev && ms <= prev.ms ? prev.n + 1 : 0;
    st.lastStart.set(key, { ms: Math.max(ms, prev?.ms ?? ms), n });
    return `${streamId}:${trackId}:${emotion}:${ms}${n ? `.${n}` : ''}`;
  }

  private stream(f: FrameAus): StreamState {
    let st = this.streams.get(f.streamId);
    if (!st) {
      st = {
        tracks: new Map(),
        ended: [],
        frames: new SlidingWindow(),
        lastStart: new Map(),
        firstMs: f.ptsMs,
        lastFrameMs: f.ptsMs,
        lastEngagementMs: f.ptsMs,
        nextSummaryMs: f.ptsMs + this.cfg.summaryIntervalMs,
        nextEngagementMs: f.ptsMs + this.cfg.engagementIntervalMs,
      };
      this.streams.set(f.streamId, st);
    }
    return st;
  }

  private analyzer(st: StreamState, streamId: string, trackId: number): TrackAnalyzer {
    let a = st.tracks.get(trackId);
    if (!a) {
      const mint = (tid: number, emo: string, ms: number) => this.mint(st, streamId, tid, emo, ms);
      a = new TrackAnalyzer(streamId, trackId, this.rules, this.trackCfg, mint);
      st.tracks.set(trackId, a);
    }
    return a;
  }

  /** One frame in, its messages out: track starts, due summaries, samples, emotion events, track ends, engagement. */
  onFrame(f: FrameAus): Message[] {
    const out: Message[] = [];
    const st = this.stream(f);
    const pass = (e: TrackEvent) => this.cfg.publishTracks && out.push(e);
    for (const e of f.tracks) if (e.phase === 'start') pass(e);
    // Summaries cover half-open periods [tick - interval, tick): emitted before this frame's samples.
    if (this.cfg.summaryIntervalMs > 0 && f.ptsMs >= st.nextSummaryMs) {
      for (const a of st.tracks.values()) {
        const s = a.takeSummary();
        if (s) out.push(s);
      }
      st.nextSummaryMs = nextTick(st.nextSummaryMs, f.ptsMs, this.cfg.summaryIntervalMs);
    }
    const seen = new Set<number>();
    for (const s of f.samples) {
      if (this.cfg.publishSamples) out.push(s);
      seen.add(s.trackId);
      out.push(...this.analyzer(st, f.streamId, s.trackId).onSample(s));
    }
    // Explicit gaps: a track unseen for longer than the grace has its events ended where it was last seen.
    for (const a of st.tracks.values()) {
      if (!seen.has(a.trackId) && a.lastSeenMs !== null && f.ptsMs - a.lastSeenMs > this.cfg.gapGraceMs) {
        out.push(...a.closeAll());
      }
    }
    for (const e of f.tracks) {
      if (e.phase !== 'end') continue;
      const a = st.tracks.get(e.trackId);
      if (a) {
        this.finish(a, out);
        st.tracks.delete(e.trackId);
        st.ended.push(a);
      }
      pass(e);
    }
    const dtMs = Math.min(Math.max(0, f.ptsMs - st.lastFrameMs), this.cfg.gapGraceMs);
    st.frames.push({ tMs: f.ptsMs, dtMs, face: f.samples.length > 0 || f.faces.length > 0 });
    st.lastFrameMs = Math.max(st.lastFrameMs, f.ptsMs);
    if (f.ptsMs >= st.nextEngagementMs) {
      out.push(...this.engagement(f.streamId, st, f.ptsMs));
      st.lastEngagementMs = f.ptsMs;
      st.nextEngagementMs = nextTick(st.nextEngagementMs, f.ptsMs, this.cfg.engagementIntervalMs);
    }
    return out;
  }

  private engagement(streamId: string, st: StreamState, now: number): Message[] {
    const out: Message[] = [];
    const windowMs = Math.min(this.cfg.engagementWindowMs, now - st.firstMs);
    const from = now - windowMs;
    const w = this.cfg.engagementWeights;
    const scale = this.cfg.engagementExpressivenessScale;
    const parts = [];
    for (const [trackId, a] of [...st.tracks].sort((x, y) => x[0] - y[0])) {
      a.window.prune(from);
      if (a.window.size === 0) {
        if (a.lastSeenMs === null) st.tracks.delete(trackId); // gone and out of the window
        continue;
      }
      // A track is judged over the part of the window since it first appeared; too new: no message yet.
      const entries = a.window.entries();
      const trackWindowMs = now - Math.max(from, entries[0]!.tMs - entries[0]!.dtMs);
      const c = trackComponents(entries, trackWindowMs, scale);
      parts.push(c);
      if (entries.length < 2 || trackWindowMs <= 0) continue;
      const { faceMs: _f, onScreenMs: _o, eyesOpenMs: _e, ...components } = c;
      const score = engagementScore(c, w);
      out.push(this.engagementMsg(streamId, trackId, now, trackWindowMs, score, components));
    }
    for (const a of st.ended) a.window.prune(from);
    st.ended = st.ended.filter((a) => a.window.size > 0);
    for (const a of st.ended) parts.push(trackComponents(a.window.entries(), windowMs, scale));
    st.frames.prune(from);
    const faceMs = st.frames.entries().reduce((s, e) => s + (e.face ? e.dtMs : 0), 0);
    const c = streamComponents(faceMs, windowMs, parts);
    out.push(
      this.engagementMsg(streamId, null, now, windowMs, engagementScore(c, w), {
        ...c,
        tracks: parts.length,
      }),
    );
    return out;
  }

  private engagementMsg(
    streamId: string,
    trackId: number | null,
    ptsMs: number,
    windowMs: number,
    score: number,
    components: Record<string, number>,
  ): Message {
    const rounded = Object.fromEntries(Object.entries(components).map(([k, v]) => [k, r4(v)]));
    return {
      v: SCHEMA_VERSION,
      type: 'engagement',
      streamId,
      trackId,
      ptsMs,
      windowMs,
      score: r4(score),
      components: rounded,
    };
  }

  /** Ends open events of every track (the source went quiet); tracks and windows stay for when frames resume. */
  closeOpen(): Message[] {
    const out: Message[] = [];
    for (const st of this.streams.values()) {
      for (const a of st.tracks.values()) if (a.hasOpenEvents) out.push(...a.closeAll());
    }
    return out;
  }

  /** Ends a track's open events and emits its last partial summary (taken first: closing resets AU presence). */
  private finish(a: TrackAnalyzer, out: Message[]): void {
    const s = this.cfg.summaryIntervalMs > 0 ? a.takeSummary() : null;
    out.push(...a.closeAll());
    if (s) out.push(s);
  }

  /** Ends every open event of every stream (or of one stream); emits the last summaries and engagement. */
  flush(streamId?: string): Message[] {
    const out: Message[] = [];
    for (const [id, st] of this.streams) {
      if (streamId !== undefined && id !== streamId) continue;
      for (const a of [...st.tracks.values()].sort((x, y) => x.trackId - y.trackId)) this.finish(a, out);
      // a last engagement covering the frames since the previous one
      if (st.lastFrameMs > st.lastEngagementMs) out.push(...this.engagement(id, st, st.lastFrameMs));
      this.streams.delete(id);
    }
    return out;
  }
}

/** The first multiple of `period` after `from` that is beyond `now` (skips periods with no frames). */
function nextTick(from: number, now: number, period: number): number {
  if (period <= 0) return Number.POSITIVE_INFINITY;
  return from + (Math.floor((now - from) / period) + 1) * period;
}
