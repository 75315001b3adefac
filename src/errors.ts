/**
 * Typed errors with a stable string code; stages turn them into status events inside streams. Each error
 * class names its codes as a string-literal union, so a typo or an undocumented code fails to compile.
 */
export class AupipeError<Code extends string = string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type ConfigErrorCode =
  | 'CONFIG_AUTH_REQUIRED'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_PARSE'
  | 'CONFIG_UNKNOWN_ENV'
  | 'DATASET_INVALID'
  | 'EVAL_ALIGNMENT_MISMATCH'
  | 'EVAL_FOLDS'
  | 'RULES_INVALID'
  | 'RULES_NOT_FOUND'
  | 'RULES_PARSE'
  | 'YARDSTICK_INVALID';

/** Source failures; ingest's classifier maps ffmpeg's stderr to them. Status events and CLI exits carry them. */
export type SourceErrorCode =
  | 'INVALID_SOURCE'
  | 'UNSUPPORTED_SCHEME'
  | 'FORMAT_NOT_ALLOWED'
  | 'SOURCE_NOT_FOUND'
  | 'NOT_A_VIDEO'
  | 'NOT_AN_IMAGE'
  | 'CODEC_UNSUPPORTED'
  | 'CORRUPT_INPUT'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_HOST_FORBIDDEN'
  | 'SOURCE_AUTH_FAILED'
  | 'SOURCE_TIMEOUT'
  | 'SOURCE_DISCONNECTED'
  | 'SOURCE_STALLED'
  | 'ENCODE_FAILED'
  | 'FFMPEG_MISSING'
  | 'FFMPEG_FAILED';

export type DetectErrorCode =
  | 'DETECTOR_CLOSED'
  | 'DETECTOR_CRASHED'
  | 'DETECTOR_LOAD_FAILED'
  | 'DETECT_FAILED'
  | 'PROVIDER_UNAVAILABLE';

export type SinkErrorCode =
  | 'NATS_SERVER_NOT_FOUND'
  | 'NATS_SERVER_START'
  | 'NATS_STREAM'
  | 'SINK_UNDELIVERED';

/** The HTTP service's own start-up failures (the CLI exits 2 on them: the fix is a config value). */
export type ServerErrorCode = 'SERVER_PORT_IN_USE' | 'SERVER_LISTEN_FAILED';

export class ConfigError extends AupipeError<ConfigErrorCode> {}
export class SourceError extends AupipeError<SourceErrorCode> {}
export class DetectError extends AupipeError<DetectErrorCode> {}
/**
 * Model bundles and crop networks. Its codes stay free strings for now: the crop networks
 * (classify/mesh/crop-net.ts) build theirs from a per-network prefix (`LANDMARKS_BAD_CARD`, …).
 */
export class ModelError extends AupipeError {}
export class SinkError extends AupipeError<SinkErrorCode> {}
export class ServerError extends AupipeError<ServerErrorCode> {}

/** Rooms (a class session's streams): the HTTP API maps them to 400 / 404 / 409. */
export type RoomErrorCode = 'ROOM_ID_INVALID' | 'ROOM_EXISTS' | 'ROOM_NOT_FOUND';
export class RoomError extends AupipeError<RoomErrorCode> {}

/**
 * Why the ingest endpoint refused a browser client's message or connection; the WebSocket close reason carries
 * the code (docs/api.md, "Browser ingest").
 */
export type IngestErrorCode =
  | 'INGEST_UNAUTHORIZED'
  | 'INGEST_ROOM_FORBIDDEN'
  | 'INGEST_BAD_STREAM'
  | 'INGEST_BINARY'
  | 'INGEST_TOO_LARGE'
  | 'INGEST_BAD_JSON'
  | 'INGEST_INVALID'
  | 'INGEST_IMAGE_DATA'
  | 'INGEST_STREAM_MISMATCH'
  | 'INGEST_RATE_LIMIT';
export class IngestError extends AupipeError<IngestErrorCode> {}
