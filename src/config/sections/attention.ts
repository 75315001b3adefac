import { z } from 'zod';

const ms = (def: number, max: number, what: string) => z.number().min(0).max(max).default(def).describe(what);

/** One attention event's hysteresis: thresholds on its score and the minimum durations. */
const event = (on: number, off: number, minMs: number, minOffMs: number, what: string) =>
  z
    .object({
      enabled: z.boolean().default(true).describe(`Publish ${what} events.`),
      on: z
        .number()
        .min(0)
        .max(10)
        .default(on)
        .describe(`Score at which ${what} starts (see docs/attention.md).`),
      off: z.number().min(0).max(10).default(off).describe(`Score below which ${what} ends.`),
      minDurationMs: ms(minMs, 600_000, `Time the score must stay at or above "on" before ${what} starts.`),
      minOffMs: ms(minOffMs, 600_000, `Time below "off" before ${what} ends (dated when it first dropped).`),
    })
    .strict()
    .refine((c) => c.off <= c.on, { message: 'off must not exceed on', path: ['off'] })
    .prefault({});

export const attentionSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Measure attention signals (head pose, gaze, eyes, mouth, faces in view) into every AU sample.',
      ),
    screenYawDeg: z
      .number()
      .min(1)
      .max(90)
      .default(25)
      .describe(
        'Half-width of the screen cone: a face looking within this many degrees left or right is on screen.',
      ),
    screenPitchDeg: z
      .number()
      .min(1)
      .max(90)
      .default(20)
      .describe(
        'Half-height of the screen cone: a face looking within this many degrees up or down is on screen.',
      ),
    screenPitchOffsetDeg: z
      .number()
      .min(-45)
      .max(45)
      .default(-5)
      .describe(
        'Pitch of the cone centre (negative: the screen sits below the camera, as with a laptop webcam above it).',
      ),
    gazeDegPerUnit: z
      .number()
      .min(0)
      .max(90)
      .default(30)
      .describe(
        'Degrees of gaze per unit of iris offset (iris at the eye corner = 1) added to the head pose (0: head pose only).',
      ),
    eyeWindowMs: ms(30_000, 600_000, "Window of a person's open-eye reference (its 90th percentile)."),
    eyeCloseRatio: z
      .number()
      .min(0.05)
      .max(1)
      .default(0.6)
      .describe('Eyes closed below this share of the open reference …'),
    eyeOpenRatio: z
      .number()
      .min(0.05)
      .max(1)
      .default(0.75)
      .describe('… and open again above this share (hysteresis).'),
    maxBlinkMs: ms(500, 5_000, 'A closure up to this long is a blink; longer is an eyes-closed episode.'),
    perclosWindowMs: z
      .number()
      .min(1_000)
      .max(600_000)
      .default(30_000)
      .describe('Window of PERCLOS (share of time with the eyes closed) and of the blink rate.'),
    yawnMouthOpen: z
      .number()
      .min(0.05)
      .max(2)
      .default(0.45)
      .describe('Mouth opening (inner-lip gap over mouth width) counted as wide open for a yawn.'),
    yawnMaxSmile: z
      .number()
      .min(0)
      .max(1)
      .default(0.35)
      .describe('A wide-open mouth with AU12 (lip corner puller) at or above this is a laugh, not a yawn.'),
    yawnMinMs: ms(
      2_500,
      30_000,
      'A wide-open mouth without a smile held this long is a yawn (a surprised gasp is shorter: docs/attention.md).',
    ),
    idleCloseMs: ms(
      5_000,
      600_000,
      'Wall time without frames after which open attention events end (0: only at stream end).',
    ),
    events: z
      .object({
        looking_away: event(1, 0.85, 1_500, 500, 'looking_away (score: gaze angle over the screen cone)'),
        eyes_closed: event(0.5, 0.5, 1_000, 200, 'eyes_closed (score: 1 while the eyes read closed)'),
        drowsy: event(0.25, 0.15, 3_000, 2_000, 'drowsy (score: PERCLOS over perclosWindowMs)'),
        absent: event(0.5, 0.5, 1_000, 300, 'absent (score: 1 while no face is in view)'),
        yawn: event(0.5, 0.5, 0, 300, 'yawn (score: 1 while a yawn is held, after yawnMinMs)'),
        multiple_faces: event(
          0.5,
          0.5,
          1_000,
          500,
          'multiple_faces (score: 1 while more than one face is in view)',
        ),
      })
      .strict()
      .prefault({}),
    updateIntervalMs: z
      .number()
      .min(50)
      .max(60_000)
      .default(1000)
      .describe('Least time between two updates of one attention event.'),
  })
  .strict()
  .refine((c) => c.eyeCloseRatio <= c.eyeOpenRatio, {
    message: 'eyeCloseRatio must not exceed eyeOpenRatio',
    path: ['eyeCloseRatio'],
  });

export type AttentionConfig = z.infer<typeof attentionSchema>;
