import { z } from 'zod';

const num = (def: number, min: number, max: number, what: string) =>
  z.number().min(min).max(max).default(def).describe(what);

export const roomsSchema = z
  .object({
    intervalMs: num(1_000, 100, 60_000, 'Room aggregate period (room time: the wall clock).'),
    windowMs: num(10_000, 1_000, 600_000, 'Sliding window the room shares are averaged over.'),
    presentMs: num(2_000, 100, 60_000, 'A student unseen for this long no longer counts as present.'),
    confusedAu4: num(
      0.5,
      0,
      1,
      'Smoothed AU4 (brow lowerer) at or above which a student counts as confused.',
    ),
    smoothingMs: num(1_500, 0, 60_000, 'Time constant of the per-student AU4 smoothing for confusion.'),
    momentShare: num(
      0.3,
      0.01,
      1,
      'Share of present students confused (or off screen) at once that starts a moment.',
    ),
    momentEndShare: num(0.2, 0, 1, 'Share below which a moment ends (hysteresis).'),
    momentMinMs: num(
      3_000,
      0,
      600_000,
      'Time the share must hold before a moment starts (dated at its onset).',
    ),
    momentMinOffMs: num(2_000, 0, 600_000, 'Time below the end share before a moment ends.'),
    tokenTtlSec: z
      .number()
      .int()
      .min(60)
      .max(604_800)
      .default(14_400)
      .describe(
        'Longest life of a room token issued by POST /api/rooms/:id/tokens (seconds; a request may ask for less). Tokens live in memory: a restart revokes them.',
      ),
    maxTokens: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe('Most unexpired room tokens held at once; issuing beyond it is refused (429).'),
    momentMinStudents: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(2)
      .describe('Least students present for a moment (one student alone is not a class).'),
  })
  .strict()
  .refine((c) => c.momentEndShare <= c.momentShare, {
    message: 'momentEndShare must not exceed momentShare',
    path: ['momentEndShare'],
  });

export type RoomsConfig = z.infer<typeof roomsSchema>;
