import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { EmotionEngine, loadRules } from '../../src/emotion/index.js';
import { messagesMarkdown } from '../../src/schemas/docs.js';
import {
  type attentionEventSchema,
  type auSampleSchema,
  type auSummarySchema,
  type emotionEventSchema,
  type engagementSchema,
  jsonSchemaFiles,
  MESSAGE_EXAMPLES,
  MESSAGE_SCHEMAS,
  type MessageType,
  parseMessage,
  type streamStatusSchema,
  type trackEventSchema,
} from '../../src/schemas/index.js';
import type {
  AttentionEvent,
  AuSample,
  AuSummary,
  EmotionEvent,
  Engagement,
  Message,
  StreamStatus,
  TrackEvent,
} from '../../src/types.js';
import { auVec, emotionCfg, frame, frames, SMILE, trackEv } from '../emotion/helpers.js';
import { schemaFiles, validateMessage } from './validate.js';

describe('exported JSON Schema files', () => {
  it('are what the zod schemas generate (run npx tsx scripts/export-schemas.ts after a change)', () => {
    const files = jsonSchemaFiles();
    expect([...schemaFiles()].sort()).toEqual(Object.keys(files).sort());
    for (const [f, text] of Object.entries(files)) expect(readFileSync(`schemas/${f}`, 'utf8'), f).toBe(text);
  });

  it('docs/messages.md is what the schemas and examples generate', () => {
    expect(readFileSync('docs/messages.md', 'utf8')).toBe(messagesMarkdown());
  });

  it('every documented example is valid against its own file and the union, by ajv and by zod', () => {
    for (const [type, examples] of Object.entries(MESSAGE_EXAMPLES) as [MessageType, readonly object[]][]) {
      for (const ex of examples) {
        expect(validateMessage(ex, MESSAGE_SCHEMAS[type].file), type).toEqual([]);
        expect(validateMessage(ex), type).toEqual([]);
        expect(parseMessage(ex)).toEqual(ex);
      }
    }
  });

  it('rejects broken messages, naming the problem', () => {
    const [start, , end] = MESSAGE_EXAMPLES.emotion as EmotionEvent[];
    const { endMs: _drop, ...endWithoutEndMs } = end!;
    expect(validateMessage(endWithoutEndMs)).not.toEqual([]);
    expect(validateMessage({ ...start, endMs: 5 })).not.toEqual([]);
    expect(validateMessage({ ...start, v: 1 })).not.toEqual([]);
    expect(validateMessage({ ...start, colour: 'red' })).not.toEqual([]);
    expect(validateMessage({ ...start, confidence: 1.2 }).join()).toMatch(/confidence/);
    const sample = MESSAGE_EXAMPLES.au[0] as AuSample;
    expect(validateMessage({ ...sample, au: { ...sample.au, AU12: -0.1 } }).join()).toMatch(/AU12/);
    const { AU26: _a, ...elevenAus } = sample.au;
    expect(validateMessage({ ...sample, au: elevenAus })).not.toEqual([]);
    expect(validateMessage({ ...sample, type: 'nope' })).not.toEqual([]);
    expect(validateMessage({ ...(MESSAGE_EXAMPLES.status[0] as StreamStatus), state: 'asleep' })).not.toEqual(
      [],
    );
  });

  it('real emotion-stage output (every message type it makes) is valid', () => {
    const rules = loadRules('config/emotions.yaml');
    const eng = new EmotionEngine(emotionCfg({ engagementIntervalMs: 1000 }), rules);
    const input = [
      frame(0, 0, [], [trackEv('s1', 1, 'start', 0)]),
      ...frames(33, 4000, 30, (t) => auVec(t > 1000 && t < 3000 ? SMILE : { AU4: 0.9, AU5: 0.8 })),
    ];
    input.push(frame(999, 4100, [], [trackEv('s1', 1, 'end', 4100)]));
    const out: Message[] = [...input.flatMap((f) => eng.onFrame(f)), ...eng.flush()];
    const types = new Set(out.map((m) => m.type));
    expect([...types].sort()).toEqual(['au', 'au_summary', 'emotion', 'engagement', 'track']);
    for (const m of out) expect(validateMessage(m), JSON.stringify(m)).toEqual([]);
  });

  it('the zod schemas match the TypeScript message types', () => {
    expectTypeOf<z.infer<typeof auSampleSchema>>().toExtend<AuSample>();
    expectTypeOf<AuSample>().toExtend<z.infer<typeof auSampleSchema>>();
    expectTypeOf<z.infer<typeof emotionEventSchema>>().toExtend<EmotionEvent>();
    expectTypeOf<z.infer<typeof streamStatusSchema>>().toExtend<StreamStatus>();
    expectTypeOf<StreamStatus>().toExtend<z.infer<typeof streamStatusSchema>>();
    expectTypeOf<z.infer<typeof trackEventSchema>>().toExtend<TrackEvent>();
    expectTypeOf<TrackEvent>().toExtend<z.infer<typeof trackEventSchema>>();
    expectTypeOf<z.infer<typeof engagementSchema>>().toExtend<Engagement>();
    expectTypeOf<Engagement>().toExtend<z.infer<typeof engagementSchema>>();
    expectTypeOf<z.infer<typeof auSummarySchema>>().toExtend<AuSummary>();
    // (the reverse of AuSummary and EmotionEvent fails only on readonly arrays and the phase/endMs union)
    expectTypeOf<z.infer<typeof attentionEventSchema>>().toExtend<AttentionEvent>();
    expect(Object.keys(MESSAGE_SCHEMAS).sort()).toEqual([
      'attention',
      'au',
      'au_summary',
      'emotion',
      'engagement',
      'room',
      'room_moment',
      'status',
      'track',
    ]);
  });
});
