/**
 * Published message schemas, defined once with zod. The JSON Schema files in `schemas/` are exported
 * from these (`npx tsx scripts/export-schemas.ts`), and tests validate real output against those files with an
 * independent validator. Every message carries `v` (schema version) and `type`. Objects are closed
 * (no unknown keys): a change to a message's fields bumps SCHEMA_VERSION.
 */
import { z } from 'zod';
import { ATTENTION_KINDS, AU_KEYS, type AuKey, SCHEMA_VERSION } from '../types.js';

const prob = z.number().min(0).max(1);
const ms = (what: string) => z.number().describe(what);
const streamId = z.string().min(1).describe('Stream the message belongs to.');
const trackId = z.number().int().min(0).describe('Face track id, unique within its stream.');
const version = z.literal(SCHEMA_VERSION).describe('Schema version of this message.');
const auShape = Object.fromEntries(AU_KEYS.map((k) => [k, prob.describe(`Probability of ${k}.`)])) as Record<
  AuKey,
  z.ZodNumber
>;
/** All 12 DISFA AUs. */
export const auVectorSchema = z
  .strictObject(auShape)
  .describe('AU probabilities in [0, 1], all 12 DISFA AUs.');
/** Any subset of the DISFA AUs. */
export const partialAuSchema = z
  .strictObject(auShape)
  .partial()
  .describe('AU probabilities in [0, 1] (a subset).');
const auName = z.string().regex(/^AU\d{1,2}$/);

const deg = (what: string) => z.number().min(-180).max(180).describe(what);
const nonneg = (what: string) => z.number().min(0).describe(what);
const iris = z
  .strictObject({
    x: z.number().describe('Horizontal offset, > 0 toward the image right; 1 = half the eye width.'),
    y: z.number().describe('Vertical offset, > 0 up, in half eye widths.'),
  })
  .describe('Iris centre in the eye opening, from the eye-corner midpoint.');
export const attentionReadingSchema = z
  .strictObject({
    faces: z.number().int().min(0).describe('Faces in view in this frame of the stream.'),
    pose: z
      .strictObject({
        yaw: deg('Turn, degrees; > 0 toward the image right.'),
        pitch: deg('Nod, degrees; > 0 looking up.'),
        roll: deg('Tilt, degrees; > 0 counter-clockwise as the viewer sees it.'),
      })
      .optional()
      .describe('Head pose from the mesh fit.'),
    gaze: z
      .strictObject({ right: iris, left: iris })
      .optional()
      .describe("Iris offsets of the subject's right and left eye (only with detect.iris)."),
    offScreen: nonneg(
      'Gaze angle over the screen cone (max of yaw and pitch ratios); ≤ 1 on screen.',
    ).optional(),
    onScreen: z.boolean().optional().describe('Whether head pose plus gaze falls inside the screen cone.'),
    eyes: z
      .strictObject({
        right: nonneg(
          "Openness of the subject's right eye (aspect over the person's open reference; ~1 open).",
        ),
        left: nonneg("Openness of the subject's left eye."),
        openness: nonneg('Openness of both eyes (the value blinks and closures are read on).'),
        closed: z.boolean().describe('Eyes read closed on this frame (with hysteresis).'),
        blinks: z.number().int().min(0).describe('Blinks on this track so far.'),
        blinkRate: nonneg('Blinks per minute over the PERCLOS window.'),
        closedMs: nonneg('How long the eyes have been closed at this frame (0 when open).'),
        perclos: prob.describe('Share of the PERCLOS window with the eyes closed.'),
      })
      .optional()
      .describe('Eye openness, blinks and closure.'),
    mouth: z
      .strictObject({
        open: nonneg('Inner-lip gap over mouth width.'),
        yawning: z.boolean().describe('A wide-open mouth without a smile held at least attention.yawnMinMs.'),
        yawns: z.number().int().min(0).describe('Yawns completed on this track so far.'),
      })
      .optional()
      .describe('Mouth opening and yawns.'),
  })
  .describe('Attention signals of one face on one frame; a signal that cannot be measured is left out.');

export const auSampleSchema = z
  .strictObject({
    v: version,
    type: z.literal('au').describe('Message type.'),
    streamId,
    trackId,
    seq: z.number().int().min(0).describe('Frame sequence number within the stream.'),
    ptsMs: ms('Presentation time of the frame in stream time.'),
    au: auVectorSchema,
    model: z.string().describe('Estimator that produced the sample (name@version).'),
    decodedAt: ms('Wall-clock time (ms since epoch) the source frame was decoded; for latency.'),
    attention: attentionReadingSchema.optional(),
  })
  .describe('Per-frame AU probabilities of one face, with its attention signals.');

const emotionBase = {
  v: version,
  type: z.literal('emotion').describe('Message type.'),
  id: z.string().min(1).describe('Event id, the same across start, updates and end.'),
  streamId,
  trackId,
  emotion: z.string().min(1).describe('Emotion name from the rule file.'),
  confidence: prob.describe('Emotion score at this moment (smoothed AUs through the rule).'),
  startMs: ms('Stream time the emotion began (onset, before the minimum duration confirmed it).'),
  peak: prob.describe('Highest score since the start.'),
  aus: partialAuSchema.describe('Smoothed probabilities of the prototype AUs the estimator measures.'),
  missingAus: z.array(auName).describe('Prototype AUs the estimator does not measure.'),
};
export const emotionEventSchema = z
  .discriminatedUnion('phase', [
    z.strictObject({ ...emotionBase, phase: z.enum(['start', 'update']).describe('Lifecycle phase.') }),
    z.strictObject({
      ...emotionBase,
      phase: z.literal('end').describe('Lifecycle phase.'),
      endMs: ms('Stream time the emotion ended.'),
      reason: z
        .literal('handover')
        .optional()
        .describe('Set when the event ended because its stream moved to another worker (drain or failure).'),
    }),
  ])
  .describe('Emotion event: one start, rate-limited updates and one end, all with the same id.');

export const streamStatusSchema = z
  .strictObject({
    v: version,
    type: z.literal('status').describe('Message type.'),
    streamId,
    state: z
      .enum(['connecting', 'live', 'stalled', 'reconnecting', 'ended', 'failed'])
      .describe('New state of the source.'),
    atMs: ms('Wall-clock time (ms since epoch) of the change.'),
    detail: z.string().optional().describe('Human-readable detail.'),
    code: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional()
      .describe('Error code, e.g. SOURCE_TIMEOUT.'),
    attempt: z.number().int().min(0).optional().describe('Reconnect attempt number.'),
  })
  .describe('Stream health: state changes of one source.');

export const trackEventSchema = z
  .strictObject({
    v: version,
    type: z.literal('track').describe('Message type.'),
    phase: z.enum(['start', 'end']).describe('Track started or ended.'),
    streamId,
    trackId,
    ptsMs: ms('Stream time of the frame where the track started or ended.'),
  })
  .describe('A face track started or ended.');

export const engagementSchema = z
  .strictObject({
    v: version,
    type: z.literal('engagement').describe('Message type.'),
    streamId,
    trackId: trackId.nullable().describe('Face track, or null for the per-stream aggregate.'),
    ptsMs: ms('Stream time at the end of the window.'),
    windowMs: z.number().min(0).describe('Length of the window the score covers.'),
    score: prob.describe('Engagement heuristic in [0, 1] (see docs/messages.md for the formula).'),
    components: z
      .record(z.string(), z.number())
      .describe(
        'presence, onScreen, eyesOpen, expressiveness, interest, confusion, yawning, boredom in [0, 1] (onScreen and eyesOpen only when measured); per stream also tracks.',
      ),
  })
  .describe('Engagement heuristic of one track or of the whole stream over a sliding window.');

export const auSummarySchema = z
  .strictObject({
    v: version,
    type: z.literal('au_summary').describe('Message type.'),
    streamId,
    trackId,
    fromMs: ms('Stream time of the first sample summarised.'),
    toMs: ms('Stream time of the last sample summarised.'),
    samples: z.number().int().min(1).describe('Number of samples summarised.'),
    mean: partialAuSchema.describe('Mean raw probability per AU.'),
    max: partialAuSchema.describe('Max raw probability per AU.'),
    smoothed: partialAuSchema.describe('Smoothed probabilities at toMs.'),
    present: z.array(z.enum(AU_KEYS)).describe('AUs present at toMs (smoothed, with hysteresis).'),
  })
  .describe('Per-track AU summary over one summary period.');

const attentionBase = {
  v: version,
  type: z.literal('attention').describe('Message type.'),
  id: z.string().min(1).describe('Event id, the same across start, updates and end.'),
  streamId,
  trackId: trackId
    .nullable()
    .describe('Face track, or null for the stream-wide kinds (absent, multiple_faces).'),
  kind: z.enum(ATTENTION_KINDS).describe('What the event is about (docs/attention.md).'),
  value: z.number().min(0).describe("The kind's score at this moment (docs/attention.md)."),
  peak: z.number().min(0).describe('Highest score since the start.'),
  startMs: ms('Stream time the event began (onset, before the minimum duration confirmed it).'),
};
export const attentionEventSchema = z
  .discriminatedUnion('phase', [
    z.strictObject({ ...attentionBase, phase: z.enum(['start', 'update']).describe('Lifecycle phase.') }),
    z.strictObject({
      ...attentionBase,
      phase: z.literal('end').describe('Lifecycle phase.'),
      endMs: ms('Stream time the event ended.'),
    }),
  ])
  .describe('Attention event: one start, rate-limited updates and one end, all with the same id.');

const roomId = z.string().min(1).describe('Room the message belongs to.');
const share01 = (what: string) => prob.describe(what);
export const roomAggregateSchema = z
  .strictObject({
    v: version,
    type: z.literal('room').describe('Message type.'),
    roomId,
    atMs: ms('Room time (wall clock, ms since epoch) of this tick.'),
    windowMs: z.number().min(0).describe('Sliding window the shares are averaged over.'),
    present: z.number().int().min(0).describe('Students (faces) present now.'),
    attentive: share01('Share of present students attentive (on screen, eyes open), mean over the window.'),
    confused: share01('Share of present students confused (sustained brow lowering), mean over the window.'),
    offScreen: share01('Share of present students looking off screen, mean over the window.'),
    now: z
      .strictObject({
        attentive: share01('Attentive share at this tick.'),
        confused: share01('Confused share at this tick.'),
        offScreen: share01('Off-screen share at this tick.'),
      })
      .describe('The shares at this tick.'),
    engagementMean: prob.describe(
      "Mean of the present students' latest engagement scores (0 when none yet).",
    ),
    engagementSpread: z.number().min(0).describe('Standard deviation of those scores.'),
    students: z
      .array(
        z.strictObject({
          streamId,
          trackId,
          attentive: z.boolean().describe('On screen (or not measured) with eyes open.'),
          confused: z.boolean().describe('Smoothed AU4 at or above rooms.confusedAu4.'),
          onScreen: z.boolean().optional().describe('Looking inside the screen cone (when measured).'),
          engagement: prob.optional().describe('Latest engagement score.'),
          emotion: z.string().optional().describe('Emotion event open on this student.'),
        }),
      )
      .describe('The present students.'),
  })
  .describe('Room aggregate: students of every stream in the room, over a sliding window of room time.');

const momentBase = {
  v: version,
  type: z.literal('room_moment').describe('Message type.'),
  id: z.string().min(1).describe('Moment id, the same across start, updates and end.'),
  roomId,
  kind: z.enum(['confused', 'off_screen']).describe('What the share of students is.'),
  share: prob.describe('Share of present students confused / off screen at this moment.'),
  peak: prob.describe('Highest share since the start.'),
  startMs: ms('Room time (ms since epoch) the moment began.'),
};
export const roomMomentSchema = z
  .discriminatedUnion('phase', [
    z.strictObject({ ...momentBase, phase: z.enum(['start', 'update']).describe('Lifecycle phase.') }),
    z.strictObject({
      ...momentBase,
      phase: z.literal('end').describe('Lifecycle phase.'),
      endMs: ms('Room time the moment ended.'),
    }),
  ])
  .describe(
    'Room moment: at least rooms.momentShare of the present students confused or off screen at once.',
  );

/** Every published message, told apart by `type`. */
export const messageSchema = z
  .discriminatedUnion('type', [
    auSampleSchema,
    emotionEventSchema,
    streamStatusSchema,
    trackEventSchema,
    engagementSchema,
    auSummarySchema,
    attentionEventSchema,
    roomAggregateSchema,
    roomMomentSchema,
  ])
  .describe('Any aupipe message.');

/** Schema per message `type`, and the file name its JSON Schema is exported to. */
export const MESSAGE_SCHEMAS = {
  au: { schema: auSampleSchema, file: 'au.schema.json', title: 'AuSample' },
  emotion: { schema: emotionEventSchema, file: 'emotion.schema.json', title: 'EmotionEvent' },
  status: { schema: streamStatusSchema, file: 'status.schema.json', title: 'StreamStatus' },
  track: { schema: trackEventSchema, file: 'track.schema.json', title: 'TrackEvent' },
  engagement: { schema: engagementSchema, file: 'engagement.schema.json', title: 'Engagement' },
  au_summary: { schema: auSummarySchema, file: 'au_summary.schema.json', title: 'AuSummary' },
  attention: { schema: attentionEventSchema, file: 'attention.schema.json', title: 'AttentionEvent' },
  room: { schema: roomAggregateSchema, file: 'room.schema.json', title: 'RoomAggregate' },
  room_moment: { schema: roomMomentSchema, file: 'room_moment.schema.json', title: 'RoomMoment' },
} as const;
export type MessageType = keyof typeof MESSAGE_SCHEMAS;

/** Parses (and strips nothing from) a message; throws a ZodError when it does not match. */
export function parseMessage(msg: unknown): z.infer<typeof messageSchema> {
  return messageSchema.parse(msg);
}
