import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AU_KEYS } from '../../src/types.js';

/**
 * Structure of the hand-labelled video frames and photo stills (issue #22, item 4):
 * test/fixtures/frame-labels.json. Labels were made by eye, blind to every estimator;
 * training/scripts/frame_sheets.py re-extracts the frames for a second look.
 */
const LABEL_KEYS = [...AU_KEYS, 'eyesClosed'] as const;
/** The keys the stills were labelled for: the AUs the old yardstick had no positive for. */
const STILL_KEYS = ['AU1', 'AU2', 'AU4', 'AU5', 'AU15', 'AU17', 'AU20', 'eyesClosed'] as const;

const binary = z.union([z.literal(0), z.literal(1)]);
const labelsOf = (keys: readonly [string, ...string[]]) => z.partialRecord(z.enum(keys), binary);

const FrameLabels = z
  .object({
    version: z.literal(1),
    description: z.string().min(200),
    annotator: z.string().min(1),
    clips: z.record(
      z.string(),
      z.strictObject({ duration: z.number().positive(), step: z.number().positive() }),
    ),
    persons: z.record(
      z.string().regex(/^[a-z][a-z0-9_-]*$/),
      z
        .strictObject({
          clips: z.array(z.string()).min(1).optional(),
          /** Clips with no labelled frames where the same person appears (kept in their fold when training). */
          alsoSeenIn: z
            .array(z.string().regex(/\.(mp4|mov|webm|mkv)$/))
            .min(1)
            .optional(),
          faces: z.array(z.string()).min(1).optional(),
          what: z.string().min(10),
        })
        .refine(
          (p) => p.clips !== undefined || p.faces !== undefined,
          'a person is seen in clips or in still faces',
        ),
    ),
    frames: z.array(
      z.strictObject({
        clip: z.string(),
        t: z.number().nonnegative(),
        person: z.string(),
        labels: labelsOf(LABEL_KEYS as unknown as [string, ...string[]]),
        note: z.string().min(1).optional(),
      }),
    ),
    stills: z.array(
      z.strictObject({
        face: z.string(),
        person: z.string(),
        labels: labelsOf(STILL_KEYS as unknown as [string, ...string[]]),
        note: z.string().min(1).optional(),
      }),
    ),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    for (const [id, p] of Object.entries(doc.persons)) {
      for (const c of p.clips ?? []) if (!(c in doc.clips)) issue(`person ${id}: unknown clip ${c}`);
    }
    const seen = new Set<string>();
    for (const f of doc.frames) {
      const where = `${f.clip}@${f.t}`;
      const clip = doc.clips[f.clip];
      if (!clip) {
        issue(`${where}: clip not in the clips list`);
        continue;
      }
      if (f.t > clip.duration - 0.1 + 1e-9) issue(`${where}: past the clip's duration`);
      const k = f.t / clip.step;
      if (Math.abs(k - Math.round(k)) > 1e-6)
        issue(`${where}: not on the clip's ${clip.step} s sampling grid`);
      if (seen.has(where)) issue(`${where}: listed twice`);
      seen.add(where);
      const person = doc.persons[f.person];
      if (!person) issue(`${where}: unknown person ${f.person}`);
      else if (!person.clips?.includes(f.clip)) issue(`${where}: person ${f.person} does not list this clip`);
      if (Object.keys(f.labels).length === 0 && !f.note) issue(`${where}: no labels and no note saying why`);
    }
    for (const s of doc.stills) {
      const person = doc.persons[s.person];
      if (!person) issue(`still ${s.face}: unknown person ${s.person}`);
      else if (!person.faces?.includes(s.face))
        issue(`still ${s.face}: person ${s.person} does not list this face`);
      if (Object.keys(s.labels).length === 0 && !s.note)
        issue(`still ${s.face}: no labels and no note saying why`);
    }
  });

type Doc = z.infer<typeof FrameLabels>;
const raw = JSON.parse(readFileSync('test/fixtures/frame-labels.json', 'utf8')) as unknown;

describe('hand-labelled video frames (frame-labels.json)', () => {
  it('matches the schema: known keys, 0|1 values, known persons and clips, times on the grid', () => {
    const r = FrameLabels.safeParse(raw);
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  });

  it('samples every clip systematically: every grid time from 0 to duration - 0.1 s is listed', () => {
    const doc = FrameLabels.parse(raw);
    for (const [clip, { duration, step }] of Object.entries(doc.clips)) {
      const want: number[] = [];
      for (let k = 0; k * step <= duration - 0.1 + 1e-9; k++) want.push(Math.round(k * step * 1000) / 1000);
      const got = doc.frames.filter((f) => f.clip === clip).map((f) => f.t);
      expect(got, clip).toEqual(want);
    }
  });

  it('stills name faces of the photo yardstick', () => {
    const doc = FrameLabels.parse(raw);
    const faces = new Set(
      (
        JSON.parse(readFileSync('test/fixtures/real-faces.json', 'utf8')) as { faces: { id: string }[] }
      ).faces.map((f) => f.id),
    );
    for (const s of doc.stills) expect(faces.has(s.face), s.face).toBe(true);
    expect(new Set(doc.stills.map((s) => s.face)).size).toBe(doc.stills.length);
  });

  it('has positives and negatives for the AUs the photo yardstick lacked', () => {
    const doc = FrameLabels.parse(raw);
    const count = (key: string, v: 0 | 1) =>
      [...doc.frames, ...doc.stills].filter((f) => (f.labels as Record<string, number>)[key] === v).length;
    for (const key of ['AU1', 'AU2', 'AU4', 'AU5', 'AU15', 'eyesClosed']) {
      expect(count(key, 1), `${key} positives`).toBeGreaterThanOrEqual(10);
      expect(count(key, 0), `${key} negatives`).toBeGreaterThanOrEqual(20);
    }
  });

  it('rejects what it should: an unknown key, a value of 2 or null, an unknown person, a time off the grid, a still key it was not labelled for', () => {
    const doc = structuredClone(FrameLabels.parse(raw)) as Doc;
    const f0 = doc.frames[0]!;
    const bad = (mutate: (d: Doc) => void) => {
      const d = structuredClone(doc);
      mutate(d);
      return FrameLabels.safeParse(d).success;
    };
    expect(bad(() => {})).toBe(true);
    expect(bad((d) => Object.assign(d.frames[0]!.labels, { AU99: 1 }))).toBe(false);
    expect(bad((d) => Object.assign(d.frames[0]!.labels, { AU1: 2 }))).toBe(false);
    expect(bad((d) => Object.assign(d.frames[0]!.labels, { AU12: null }))).toBe(false);
    expect(bad((d) => (d.frames[0]!.person = 'nobody'))).toBe(false);
    expect(bad((d) => (d.frames[0]!.t = f0.t + 0.01))).toBe(false);
    expect(bad((d) => (d.frames[0]!.t = 999))).toBe(false);
    expect(bad((d) => d.frames.push(structuredClone(f0)))).toBe(false);
    expect(bad((d) => Object.assign(d.stills[0]!.labels, { AU12: 1 }))).toBe(false);
    expect(bad((d) => (d.stills[0]!.person = 'w_expressive'))).toBe(false);
  });
});
