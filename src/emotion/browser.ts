/**
 * The emotion stage's browser face: the engine (smoothing, rules, lifecycles, summaries, engagement) and the rule
 * parser, pure; `index.ts` adds the RxJS operator and the rule file reader.
 */
export { type EmotionConfig, EmotionEngine } from './engine.js';
export {
  close,
  decide,
  type EventAction,
  IDLE,
  type LifecycleConfig,
  type LifecycleState,
  type Observation,
} from './lifecycle.js';
export { parseRules, type Rules } from './rules.js';
