/**
 * Contracts between stages (see DESIGN.md). Every stage consumes and produces these named readonly
 * types; nothing else crosses a stage boundary.
 */

/** The 12 DISFA action units, in the order every model and message uses. */
export const AU_KEYS = [
  'AU1',
  'AU2',
  'AU4',
  'AU5',
  'AU6',
  'AU9',
  'AU12',
  'AU15',
  'AU17',
  'AU20',
  'AU25',
  'AU26',
] as const;
export type AuKey = (typeof AU_KEYS)[number];
/** The 8-AU subset of the standard DISFA benchmark. */
export const DISFA8: readonly AuKey[] = ['AU1', 'AU2', 'AU4', 'AU6', 'AU9', 'AU12', 'AU25', 'AU26'];
export type AuVector = Readonly<Record<AuKey, number>>;

/** Schema version carried by every published message (2: attention in the AU sample, attention events). */
export const SCHEMA_VERSION = 2 as const;

/**
 * One decoded video frame, RGB24, row-major, `width*height*3` bytes.
 * `rgb` belongs to a pool: call `release()` once the stage that holds the frame is done with it,
 * and never keep a reference to `rgb` after that.
 */
export interface Frame {
  readonly streamId: string;
  readonly seq: number;
  readonly ptsMs: number;
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  /** Wall-clock time (ms since epoch) when the frame was fully read from the decoder; for latency. */
  readonly decodedAt: number;
  readonly release: () => void;
}

/** Axis-aligned box in frame pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** An RGB24 image that the holder owns (not pooled). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** Aligned face crop: the exact pixels an AU model sees. */
export interface AlignedCrop extends RgbImage {
  /** 2x3 affine matrix mapping crop pixels to source-frame pixels, row-major [a, b, tx, c, d, ty]. */
  readonly toSource: readonly number[];
  readonly templateId: string;
}

/** A face found by a detector in one image (no identity yet). */
export interface FaceDetection {
  readonly box: Box;
  readonly score: number;
  /**
   * Dense mesh, xyz interleaved (468, or 478 with iris): x and y in frame pixels; z is relative depth in
   * the detector's own units (not pixels: its scale varies with face size), so depth-aware code fits its own gain.
   */
  readonly mesh: Float32Array;
}

export interface FaceObservation {
  readonly streamId: string;
  readonly seq: number;
  readonly ptsMs: number;
  readonly decodedAt: number;
  readonly trackId: number;
  readonly box: Box;
  readonly score: number;
  readonly mesh: Float32Array;
  /** True when this frame ran the detector; false when the face was followed by the tracker. */
  readonly detected: boolean;
  readonly crop: AlignedCrop;
}

export interface AuSample {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'au';
  readonly streamId: string;
  readonly trackId: number;
  readonly seq: number;
  readonly ptsMs: number;
  readonly au: AuVector;
  readonly model: string;
  /** Wall-clock decode time of the source frame, for end-to-end latency. */
  readonly decodedAt: number;
  /** Attention signals of this face on this frame (absent when the attention stage is off). */
  readonly attention?: AttentionReading;
}

/**
 * Attention signals of one face on one frame (docs/attention.md). A signal that cannot be measured on the frame
 * is left out, never NaN or null.
 */
export interface AttentionReading {
  /** Faces in view in this frame of the stream. */
  readonly faces: number;
  /** Head pose, degrees: yaw > 0 toward the image's right, pitch > 0 up, roll > 0 counter-clockwise. */
  readonly pose?: { readonly yaw: number; readonly pitch: number; readonly roll: number };
  /** Iris offset in each eye's opening (x > 0 image right, y > 0 up; 1 = half the eye width); needs the iris model. */
  readonly gaze?: {
    readonly right: { readonly x: number; readonly y: number };
    readonly left: { readonly x: number; readonly y: number };
  };
  /** Gaze (head pose + iris) over the screen cone: ≤ 1 on screen. */
  readonly offScreen?: number;
  readonly onScreen?: boolean;
  readonly eyes?: {
    /** Openness of each eye and of both: aspect over this person's open-eye reference (about 1 open). */
    readonly right: number;
    readonly left: number;
    readonly openness: number;
    readonly closed: boolean;
    /** Blinks on this track so far, and per minute over the PERCLOS window. */
    readonly blinks: number;
    readonly blinkRate: number;
    /** How long the eyes have been closed at this frame (0 when open). */
    readonly closedMs: number;
    /** Share of the PERCLOS window with the eyes closed. */
    readonly perclos: number;
  };
  readonly mouth?: {
    /** Inner-lip gap over mouth width. */
    readonly open: number;
    /** A wide-open mouth without a smile held at least the yawn duration. */
    readonly yawning: boolean;
    /** Yawns completed on this track so far. */
    readonly yawns: number;
  };
}

export const ATTENTION_KINDS = [
  'looking_away',
  'eyes_closed',
  'drowsy',
  'absent',
  'yawn',
  'multiple_faces',
] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

/** Attention event: same start/update/end lifecycle as emotion events; stream-wide kinds have trackId null. */
export interface AttentionEvent {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'attention';
  readonly id: string;
  readonly phase: EmotionPhase;
  readonly streamId: string;
  /** Null for the stream-wide kinds (absent, multiple_faces). */
  readonly trackId: number | null;
  readonly kind: AttentionKind;
  /** The kind's score at this moment (docs/attention.md) and its highest since the start. */
  readonly value: number;
  readonly peak: number;
  readonly startMs: number;
  readonly endMs?: number;
}

export type EmotionPhase = 'start' | 'update' | 'end';

export interface EmotionEvent {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'emotion';
  readonly id: string;
  readonly phase: EmotionPhase;
  readonly streamId: string;
  readonly trackId: number;
  readonly emotion: string;
  readonly confidence: number;
  readonly startMs: number;
  readonly endMs?: number;
  /** Why an `end` came other than from the faces: `handover` when a worker drained or died with it open. */
  readonly reason?: 'handover';
  readonly peak: number;
  readonly aus: Partial<AuVector>;
  /** AUs of the emotion's prototype that the estimator does not measure. */
  readonly missingAus: readonly string[];
}

export type StreamState = 'connecting' | 'live' | 'stalled' | 'reconnecting' | 'ended' | 'failed';

export interface StreamStatus {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'status';
  readonly streamId: string;
  readonly state: StreamState;
  readonly atMs: number;
  readonly detail?: string;
  readonly code?: string;
  readonly attempt?: number;
}

export interface TrackEvent {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'track';
  readonly phase: 'start' | 'end';
  readonly streamId: string;
  readonly trackId: number;
  readonly ptsMs: number;
}

export interface Engagement {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'engagement';
  readonly streamId: string;
  /** Null for the per-stream aggregate. */
  readonly trackId: number | null;
  readonly ptsMs: number;
  readonly windowMs: number;
  readonly score: number;
  readonly components: Readonly<Record<string, number>>;
}

/** Room aggregate over a sliding window of room time (wall clock), every `rooms.intervalMs`. */
export interface RoomAggregate {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'room';
  readonly roomId: string;
  /** Room time (ms since epoch) of this tick. */
  readonly atMs: number;
  readonly windowMs: number;
  /** Students (faces) present now. */
  readonly present: number;
  /** Shares of present students over the window: attentive (on screen, eyes open), confused, off screen. */
  readonly attentive: number;
  readonly confused: number;
  readonly offScreen: number;
  /** The same shares at this tick. */
  readonly now: { readonly attentive: number; readonly confused: number; readonly offScreen: number };
  /** Mean and spread (standard deviation) of the present students' latest engagement scores. */
  readonly engagementMean: number;
  readonly engagementSpread: number;
  readonly students: readonly RoomStudent[];
}

export interface RoomStudent {
  readonly streamId: string;
  readonly trackId: number;
  readonly attentive: boolean;
  readonly confused: boolean;
  readonly onScreen?: boolean;
  readonly engagement?: number;
  /** The emotion event open on this student, if any. */
  readonly emotion?: string;
}

export type RoomMomentKind = 'confused' | 'off_screen';

/** A room moment: a share of the present students confused or off screen at once (start / update / end). */
export interface RoomMoment {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'room_moment';
  readonly id: string;
  readonly phase: EmotionPhase;
  readonly roomId: string;
  readonly kind: RoomMomentKind;
  /** Share of present students at this moment, and its highest since the start. */
  readonly share: number;
  readonly peak: number;
  /** Room time (ms since epoch). */
  readonly startMs: number;
  readonly endMs?: number;
}

/** Messages of one stream (everything but the room messages). */
export type StreamMessage = Exclude<Message, RoomAggregate | RoomMoment>;

/** Everything a sink can publish. */
export type Message =
  | AuSample
  | EmotionEvent
  | StreamStatus
  | TrackEvent
  | Engagement
  | AuSummary
  | AttentionEvent
  | RoomAggregate
  | RoomMoment;

/** Output of the detect stage for one frame: the frame's faces (with crops) and track lifecycle. */
export interface FrameFaces {
  readonly streamId: string;
  readonly seq: number;
  readonly ptsMs: number;
  readonly decodedAt: number;
  readonly width: number;
  readonly height: number;
  readonly faces: readonly FaceObservation[];
  readonly tracks: readonly TrackEvent[];
}

/** Output of the classify stage: the frame's faces with the AU samples computed for them. */
export interface FrameAus extends FrameFaces {
  /** One per classified face; a face may lack a sample when backpressure dropped it (counted). */
  readonly samples: readonly AuSample[];
}

/** Per-track AU summary over one summary period (emotion stage, every `emotion.summaryIntervalMs`). */
export interface AuSummary {
  readonly v: typeof SCHEMA_VERSION;
  readonly type: 'au_summary';
  readonly streamId: string;
  readonly trackId: number;
  /** Time of the first and last sample summarised (stream time, ms). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly samples: number;
  /** Mean and max of the raw per-frame probabilities over the period. */
  readonly mean: Partial<AuVector>;
  readonly max: Partial<AuVector>;
  /** Smoothed probabilities at `toMs`. */
  readonly smoothed: Partial<AuVector>;
  /** AUs present at `toMs` (smoothed, with the emotion on/off thresholds and minimum duration). */
  readonly present: readonly AuKey[];
}
