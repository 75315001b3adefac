/** Public face of the emotion stage: AU samples → smoothed emotion events, AU summaries, engagement. */

export {
  type EngagementComponents,
  type EngagementWeights,
  engagementScore,
} from './engagement.js';
export { type EmotionConfig, EmotionEngine } from './engine.js';
export { type HysteresisConfig, type Presence, stepPresence } from './hysteresis.js';
export {
  close,
  decide,
  type EventAction,
  IDLE,
  type LifecycleConfig,
  type LifecycleState,
  type Observation,
} from './lifecycle.js';
export {
  type NamedRule,
  parseRules,
  type Rule,
  type RuleScore,
  type Rules,
  scoreRule,
} from './rules.js';
export { loadRules, resolveRulesPath } from './rules-file.js';
export {
  EmaFilter,
  emaAlpha,
  type Filter1D,
  OneEuroFilter,
  type OneEuroParams,
  VectorSmoother,
} from './smoothing.js';
export { type EmotionStageOptions, emotionStage } from './stage.js';
