/** Typed errors with a stable string code; stages turn them into status events inside streams. */
export class AupipeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ConfigError extends AupipeError {}
export class SourceError extends AupipeError {}
export class DetectError extends AupipeError {}
export class ModelError extends AupipeError {}
export class SinkError extends AupipeError {}
