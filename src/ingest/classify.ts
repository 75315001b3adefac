import { SourceError, type SourceErrorCode } from '../errors.js';

export type { SourceErrorCode };

/** Errors a live source may recover from by reconnecting; the rest need a human (bad URL, password, codec). */
const RETRYABLE: ReadonlySet<string> = new Set<SourceErrorCode>([
  'SOURCE_NOT_FOUND',
  'CORRUPT_INPUT',
  'SOURCE_UNREACHABLE',
  'SOURCE_TIMEOUT',
  'SOURCE_DISCONNECTED',
  'SOURCE_STALLED',
  'FFMPEG_FAILED',
]);

export function isRetryable(err: unknown): boolean {
  return err instanceof SourceError && RETRYABLE.has(err.code);
}

interface Rule {
  readonly code: SourceErrorCode;
  readonly re: RegExp;
  readonly why: string;
}

// Ordered: the first rule whose pattern appears in stderr wins (e.g. a whitelist refusal also prints
// "Invalid argument", a text file also prints "Invalid data found").
const RULES: readonly Rule[] = [
  {
    code: 'UNSUPPORTED_SCHEME',
    re: /Protocol '[^']*' not on whitelist|Protocol not found/,
    why: 'protocol not allowed',
  },
  { code: 'FORMAT_NOT_ALLOWED', re: /Format not on whitelist/, why: 'container format not allowed' },
  {
    code: 'SOURCE_AUTH_FAILED',
    re: /40[13] (Unauthorized|Forbidden)|Unauthorized/,
    why: 'authentication failed',
  },
  {
    code: 'SOURCE_NOT_FOUND',
    re: /No such file or directory|404 Not Found|Server returned 404/,
    why: 'not found',
  },
  {
    code: 'SOURCE_UNREACHABLE',
    re: /Connection refused|No route to host|Network is unreachable|Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|Connection reset by peer/,
    why: 'cannot connect',
  },
  { code: 'SOURCE_TIMEOUT', re: /timed out|Operation timed out|Connection timeout/i, why: 'timed out' },
  {
    code: 'CODEC_UNSUPPORTED',
    re: /Decoder \([^)]*\) not found|Unknown decoder|[Uu]nsupported codec|no decoder found/,
    why: 'video codec not supported',
  },
  {
    code: 'NOT_A_VIDEO',
    re: /matches no streams|does not contain any stream|no video stream/i,
    why: 'no video stream',
  },
  {
    code: 'CORRUPT_INPUT',
    re: /moov atom not found|partial file|Invalid NAL unit size|Error splitting the input into NAL units|error while decoding|[Cc]orrupt|Truncating packet|Packet mismatch|End of file while parsing/,
    why: 'truncated or corrupt video',
  },
  { code: 'NOT_A_VIDEO', re: /Invalid data found when processing input/, why: 'not a video file' },
];

/** ffmpeg prefixes lines with "[demuxer @ 0x…] "; the address is noise in a user-facing message. */
function clean(line: string): string {
  return (
    line
      .replace(/\[([^\]@]+?) @ 0x[0-9a-f]+\]\s*/g, '$1: ')
      .replace(/ not on whitelist '[^']*'!?/, ' not on the allowed list')
      // ffmpeg echoes the URL it was given, password included.
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/gi, '$1:***@')
      .trim()
  );
}

export interface Classified {
  readonly code: SourceErrorCode;
  readonly why: string;
  /** The stderr line that decided the code (or the last line), cleaned. */
  readonly line: string;
}

/** Maps ffmpeg/ffprobe stderr to a code and the line that shows why (pure: unit-tested on real stderr). */
export function classifyStderr(stderr: string): Classified {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^Last message repeated/.test(l));
  for (const rule of RULES) {
    const hit = lines.find((l) => rule.re.test(l));
    if (hit) return { code: rule.code, why: rule.why, line: clean(hit) };
  }
  const last = lines.at(-1);
  return { code: 'FFMPEG_FAILED', why: 'ffmpeg failed', line: last ? clean(last) : 'no message' };
}

/**
 * A file whose container says MP4 but lacks its index could be a truncated MP4 or something that is not
 * video at all; the first box tells them apart (an ISO-BMFF file starts with a box such as ftyp).
 */
export function looksLikeIsoBmff(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const type = String.fromCharCode(...head.subarray(4, 8));
  return ['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot'].includes(type);
}

/** One clear error: which source, what went wrong, and ffmpeg's own words. */
export function sourceError(label: string, c: Classified, cause?: unknown): SourceError {
  return new SourceError(c.code, `${label}: ${c.why} (ffmpeg: ${c.line})`, cause ? { cause } : undefined);
}
