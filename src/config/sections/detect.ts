import { z } from 'zod';

export const detectSchema = z
  .object({
    every: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(3)
      .describe('Run the face detector on every k-th frame; the tracker follows faces in between.'),
    minScore: z.number().min(0).max(1).default(0.5).describe('Minimum detector confidence for a face.'),
    minFaceSize: z.number().int().min(8).max(2000).default(24).describe('Minimum face box side in pixels.'),
    maxFaces: z.number().int().min(1).max(100).default(20).describe('Most faces per frame.'),
    cropSize: z.number().int().min(48).max(512).default(112).describe('Aligned crop side in pixels.'),
    trackGraceFrames: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(6)
      .describe('Frames a track survives without a matching detection before it ends.'),
    minIou: z.number().min(0).max(1).default(0.3).describe('Minimum IoU to match a detection to a track.'),
    cutThreshold: z
      .number()
      .min(0)
      .max(255)
      .default(25)
      .describe(
        'Mean absolute pixel difference (0-255) between consecutive frames that marks a cut to a new shot: ' +
          'all tracks end and the detector runs at once (0 disables).',
      ),
  })
  .strict();
