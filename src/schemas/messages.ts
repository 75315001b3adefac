/**
 * Published message schemas, defined once with zod. The JSON Schema files in `schemas/` are exported
 * from these (`npx tsx scripts/export-schemas.ts`), and tests validate real output against those files with an
 * independent validator. Every message carries `v` (schema version) and `type`. Objects are closed
 * (no unknown keys): a change to a message's fields bumps SCHEMA_VERSION.
 */
import { z } from 'zod';
import { AU_KEYS, type AuKey, SCHEMA_VERSION } from '../types.js';

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
  })
  .describe('Per-frame AU probabilities of one face.');

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
      .describe('presence, expressiveness, confusion, boredom in [0, 1]; per stream also tracks.'),
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

/** Every published message, told apart by `type`. */
export const messageSchema = z
  .discriminatedUnion('type', [
    auSampleSchema,
    emotionEventSchema,
    streamStatusSchema,
    trackEventSchema,
    engagementSchema,
    auSummarySchema,
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
} as const;
export type MessageType = keyof typeof MESSAGE_SCHEMAS;

/** Parses (and strips nothing from) a message; throws a ZodError when it does not match. */
export function parseMessage(msg: unknown): z.infer<typeof messageSchema> {
  return messageSchema.parse(msg);
}
