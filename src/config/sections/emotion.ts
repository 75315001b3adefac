import { z } from 'zod';

const weight = (def: number, what: string) =>
  z.number().min(0).max(10).default(def).describe(`Engagement weight of ${what}.`);

export const emotionSchema = z
  .object({
    rules: z
      .string()
      .default('config/emotions.yaml')
      .describe(
        'EMFACS rule file (AU prototypes per emotion); relative paths fall back to the package root.',
      ),
    smoothing: z
      .enum(['exponential', 'one-euro'])
      .default('exponential')
      .describe(
        'AU smoothing filter: exponential (time constant smoothingMs) or One-Euro (adaptive cutoff).',
      ),
    smoothingMs: z
      .number()
      .min(0)
      .max(10_000)
      .default(250)
      .describe('Time constant of the exponential AU smoothing filter (0: no smoothing).'),
    oneEuroMinCutoffHz: z
      .number()
      .min(0.01)
      .max(30)
      .default(1)
      .describe('One-Euro: cutoff frequency for a still face (lower: smoother).'),
    oneEuroBeta: z
      .number()
      .min(0)
      .max(100)
      .default(0.5)
      .describe('One-Euro: cutoff increase per unit/s of AU change (higher: less lag on fast changes).'),
    onThreshold: z.number().min(0).max(1).default(0.5).describe('Emotion score at which an event starts.'),
    offThreshold: z.number().min(0).max(1).default(0.35).describe('Emotion score below which an event ends.'),
    minDurationMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(300)
      .describe('Time above the on threshold before start.'),
    minOffMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(300)
      .describe(
        'Time below the off threshold before an event ends (the end is dated when it first dropped).',
      ),
    gapGraceMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(1000)
      .describe('A track gap shorter than this keeps events.'),
    idleCloseMs: z
      .number()
      .min(0)
      .max(600_000)
      .default(5000)
      .describe('Wall time without frames after which open events end (0: only at stream end).'),
    updateIntervalMs: z.number().min(50).max(60_000).default(1000).describe('Least time between updates.'),
    updateMinDelta: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('Confidence change (or a new peak) needed for an update once the interval has passed.'),
    summaryIntervalMs: z
      .number()
      .min(0)
      .max(600_000)
      .default(1000)
      .describe('Per-track AU summary period (0: no summaries).'),
    publishSamples: z
      .boolean()
      .default(true)
      .describe('Pass every per-frame AU sample through as an "au" message.'),
    publishTracks: z
      .boolean()
      .default(true)
      .describe('Pass track start/end events through as "track" messages.'),
    engagementWindowMs: z.number().min(1000).max(3_600_000).default(30_000).describe('Engagement window.'),
    engagementIntervalMs: z
      .number()
      .min(100)
      .max(600_000)
      .default(5000)
      .describe('Engagement publish period.'),
    engagementSustainMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(2000)
      .describe(
        'How long AU4 (confusion) or a jaw drop without a smile (yawn, boredom) must stay present to count.',
      ),
    engagementExpressivenessScale: z
      .number()
      .min(0.01)
      .max(1)
      .default(0.15)
      .describe('Mean AU standard deviation over the window that counts as fully expressive.'),
    engagementWeights: z
      .object({
        presence: weight(0.4, 'face presence (fraction of the window a face was seen)'),
        onScreen: weight(
          0.8,
          'looking at the screen (share of face time inside attention.screen*Deg, times presence; needs the attention stage)',
        ),
        eyesOpen: weight(0.4, 'eyes open (share of face time, times presence; needs the attention stage)'),
        expressiveness: weight(0.2, 'expressiveness (AU variability over the window)'),
        interest: weight(0.2, 'interest (mean (AU1 + AU2) / 2, raised brows)'),
        confusion: weight(0.3, 'confusion (fraction of face time with sustained AU4), subtracted'),
        boredom: weight(
          0.3,
          'boredom (max of the yawning share and (1 − expressiveness)·(1 − onScreen)), subtracted',
        ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.offThreshold <= c.onThreshold, {
    message: 'offThreshold must not exceed onThreshold',
    path: ['offThreshold'],
  });
