/**
 * What a browser client may send to the ingest endpoint: the signals its own pipeline computed (AU samples,
 * emotion, attention and track events, AU summaries, engagement; AU samples with their attention readings), each exactly the published schema (closed objects, so a
 * field the schema does not name, such as a frame or a crop, fails), and never image data. Pure: the client
 * checks every message with it before sending, the server again on arrival.
 */
import { z } from 'zod';
import {
  attentionEventSchema,
  auSampleSchema,
  auSummarySchema,
  emotionEventSchema,
  engagementSchema,
  trackEventSchema,
} from './messages.js';

/** The message types a client may send; `status` is the server's to publish (connect, disconnect). */
export const INGEST_TYPES = ['au', 'emotion', 'track', 'au_summary', 'engagement', 'attention'] as const;

export const ingestMessageSchema = z
  .discriminatedUnion('type', [
    auSampleSchema,
    emotionEventSchema,
    trackEventSchema,
    auSummarySchema,
    engagementSchema,
    attentionEventSchema,
  ])
  .describe('A message a browser client sends over the ingest WebSocket.');
export type IngestMessage = z.infer<typeof ingestMessageSchema>;

/** Longest string any signal carries (ids, model names, emotion names); an image would be far longer. */
export const MAX_STRING_CHARS = 200;
/** Most numbers in one array: a pixel row or a landmark dump would be far more. */
export const MAX_ARRAY_ITEMS = 64;
const DATA_URI = /^data:/i;
const BASE64_RUN = /[A-Za-z0-9+/]{64,}={0,2}/;

/**
 * Why a parsed message looks like it carries image data (a data: URI, a base64 run, a long string, a long
 * array, a nested binary), or null when it carries none. Checked on every message besides the schema, so a
 * future schema with a free-form field still cannot carry pixels.
 */
export function imageDataProblem(value: unknown, path = '$'): string | null {
  if (typeof value === 'string') {
    if (DATA_URI.test(value)) return `${path} is a data: URI`;
    if (BASE64_RUN.test(value)) return `${path} holds a base64 run`;
    if (value.length > MAX_STRING_CHARS) return `${path} is a ${value.length}-character string`;
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `${path} is binary data`;
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_ITEMS) return `${path} is a ${value.length}-item array`;
    for (let i = 0; i < value.length; i++) {
      const p = imageDataProblem(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = imageDataProblem(k, `${path} key`) ?? imageDataProblem(v, `${path}.${k}`);
    if (p) return p;
  }
  return null;
}

export type IngestCheck =
  | { readonly ok: true; readonly msg: IngestMessage }
  | { readonly ok: false; readonly code: 'INGEST_IMAGE_DATA' | 'INGEST_INVALID'; readonly problem: string };

/** Checks one parsed message: no image data, then the schema. */
export function checkIngestMessage(raw: unknown): IngestCheck {
  const image = imageDataProblem(raw);
  if (image) return { ok: false, code: 'INGEST_IMAGE_DATA', problem: image };
  const res = ingestMessageSchema.safeParse(raw);
  if (!res.success) {
    const why = res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, code: 'INGEST_INVALID', problem: why };
  }
  return { ok: true, msg: res.data };
}
