/**
 * The commands' public face for src/cli.ts: the shared flag helpers, and each command behind a loader so
 * a command imports only the stages it needs (and --help stays fast).
 */
export { commanderExit, num, reportError, withCommon } from './common.js';

export const loadAnalyze = () => import('./analyze.js');
export const loadDataset = () => import('./dataset.js');
export const loadFeatures = () => import('./features.js');
export const loadEval = () => import('./eval.js');
export const loadEvalFrames = () => import('./eval-frames.js');
export const loadRun = () => import('./run.js');
export const loadServe = () => import('./serve.js');
export const loadWorker = () => import('./worker.js');
