import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SourceError } from '../errors.js';

/**
 * Where frames come from. `upload` is a file the service received (untrusted bytes, same decoding path
 * as `file`); `rtsp` is a live camera or relay.
 */
export type SourceSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'upload'; readonly path: string }
  | { readonly kind: 'rtsp'; readonly url: string };

// Two or more letters, so a Windows drive letter ("C:\clip.mp4") is not read as a scheme.
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

/**
 * Reads a `--source` argument: `rtsp://` / `rtsps://` URLs are live sources, anything without a scheme
 * is a local file path (made absolute), and every other scheme (`http:`, `file:`, `concat:`, …) is
 * refused, so a source string can never make ffmpeg reach another host or protocol.
 */
export function parseSource(s: string): SourceSpec {
  if (s.length === 0)
    throw new SourceError('INVALID_SOURCE', 'empty source: give a file path or an rtsp:// URL');
  const m = SCHEME.exec(s);
  if (!m) return { kind: 'file', path: resolve(s) };
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new SourceError('INVALID_SOURCE', `${redactUrl(s)}: not a valid ${scheme}:// URL`);
    }
    if (!url.hostname) throw new SourceError('INVALID_SOURCE', `${redactUrl(s)}: the URL has no host`);
    return { kind: 'rtsp', url: s };
  }
  // A local file may legitimately contain a colon ("clip:1.mp4"); it is still read through file: only.
  if (existsSync(s)) return { kind: 'file', path: resolve(s) };
  throw new SourceError(
    'UNSUPPORTED_SCHEME',
    `${redactUrl(s)}: ${scheme}: sources are not supported (use a local file path or an rtsp:// URL)`,
  );
}

/** Hides a password in `scheme://user:pass@host/…` so errors and status events never leak it. */
export function redactUrl(s: string): string {
  return s.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

/** How a source is named in messages (credentials redacted). */
export function sourceLabel(spec: SourceSpec): string {
  return spec.kind === 'rtsp' ? redactUrl(spec.url) : spec.path;
}

/** Live sources reconnect and drop frames under pressure; files end and wait for the consumer. */
export function isLive(spec: SourceSpec): boolean {
  return spec.kind === 'rtsp';
}
