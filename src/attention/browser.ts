/**
 * The attention stage's browser face: per-face readings (signals, eyes, per-track state) and the event engine,
 * pure; `index.ts` adds the RxJS operators.
 */
export type { AttentionConfig } from '../config/index.js';
export { AttentionEventEngine } from './events.js';
export { attentionOptions, withAttention } from './reading.js';
export { AttentionTracks } from './track.js';
