export {
  DEFAULT_EYES,
  type EyeOptions,
  type EyeState,
  EyeTracker,
  eyeAspect,
  perclos,
  quantile,
} from './eyes.js';
