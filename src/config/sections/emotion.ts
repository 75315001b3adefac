import { z } from 'zod';

export const emotionSchema = z
  .object({
    rules: z
      .string()
      .default('config/emotions.yaml')
      .describe('EMFACS rule file (AU prototypes per emotion).'),
    smoothingMs: z
      .number()
      .min(0)
      .max(10_000)
      .default(250)
      .describe('Time constant of the AU smoothing filter.'),
    onThreshold: z.number().min(0).max(1).default(0.5).describe('Emotion score at which an event starts.'),
    offThreshold: z.number().min(0).max(1).default(0.35).describe('Emotion score below which an event ends.'),
    minDurationMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(300)
      .describe('Time above the on threshold before start.'),
    gapGraceMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(1000)
      .describe('A track gap shorter than this keeps events.'),
    updateIntervalMs: z.number().min(50).max(60_000).default(1000).describe('Least time between updates.'),
    summaryIntervalMs: z.number().min(0).max(600_000).default(1000).describe('Per-track AU summary period.'),
    engagementWindowMs: z.number().min(1000).max(3_600_000).default(30_000).describe('Engagement window.'),
    engagementIntervalMs: z
      .number()
      .min(100)
      .max(600_000)
      .default(5000)
      .describe('Engagement publish period.'),
  })
  .strict();
