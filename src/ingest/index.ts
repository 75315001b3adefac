export { type BackoffPolicy, backoffDelay } from './backoff.js';
/** The ingest stage's public face: sources in, frames and stream status out. */
export type { SourceErrorCode } from './classify.js';
export { classifyStderr, sourceError } from './classify.js';
export { type FfmpegExit, type FfmpegResult, liveChildPids, runFfmpeg, spawnFfmpeg } from './ffmpeg.js';
export { decodeImage, encodePng } from './image.js';
export type { IngestEvent } from './live.js';
export { type ProbeOptions, type ProbeResult, probe } from './probe.js';
export { type FrameSource, type OpenSourceOptions, openSource } from './source.js';
export { isLive, parseSource, type SourceSpec, sourceLabel } from './spec.js';
