import type { Config } from '../config/index.js';
import type { SourceSpec } from './spec.js';

export type IngestConfig = Config['ingest'];

/**
 * Demuxers a file or upload may use. Playlist-style formats (hls, concat, image2 patterns, …) are left
 * out on purpose: an uploaded playlist could otherwise make ffmpeg open other local files.
 */
export const FILE_FORMATS = [
  'mov',
  'matroska',
  'avi',
  'mpegts',
  'flv',
  'asf',
  'mpeg',
  'ogg',
  'nut',
  'ivf',
  'yuv4mpegpipe',
  'h264',
  'hevc',
  'mjpeg',
  'gif',
] as const;

/** The fewest protocols each source needs: RTSP over TCP is one socket; UDP adds the RTP/UDP ports. */
export function protocolWhitelist(spec: SourceSpec, transport: IngestConfig['rtspTransport']): string {
  if (spec.kind !== 'rtsp') return 'file';
  const tls = spec.url.toLowerCase().startsWith('rtsps:');
  const base = tls ? ['rtsp', 'rtsps', 'tcp', 'tls'] : ['rtsp', 'tcp'];
  return (transport === 'udp' ? [...base, 'rtp', 'udp'] : base).join(',');
}

/**
 * The video filter: analysis fps first (cheapest: frames are dropped before scaling), then scale to fit
 * inside width x height keeping the aspect ratio and pad the rest black (letterbox), so faces are never
 * stretched; square output pixels.
 */
export function videoFilter(cfg: Pick<IngestConfig, 'width' | 'height' | 'fps'>): string {
  const { width: w, height: h, fps } = cfg;
  return [
    `fps=${fps}`,
    `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=bilinear`,
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:black`,
    'setsar=1',
  ].join(',');
}

/** ffmpeg arguments that decode `spec` to raw RGB24 frames on stdout. Pure: unit-tested. */
export function decodeArgs(spec: SourceSpec, cfg: IngestConfig): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  // decoder threads (an input option: it goes before -i); 0 leaves ffmpeg's own choice
  if (cfg.decodeThreads > 0) args.push('-threads', String(cfg.decodeThreads));
  if (spec.kind === 'rtsp') {
    args.push(
      '-rtsp_transport',
      cfg.rtspTransport,
      '-protocol_whitelist',
      protocolWhitelist(spec, cfg.rtspTransport),
    );
    args.push('-f', 'rtsp', '-i', spec.url);
  } else {
    if (cfg.loop) args.push('-stream_loop', '-1');
    if (cfg.realtime) args.push('-re');
    args.push('-protocol_whitelist', 'file', '-format_whitelist', FILE_FORMATS.join(','));
    // The file: prefix makes ffmpeg treat every path as a plain file, colons and all.
    args.push('-i', `file:${spec.path}`);
  }
  args.push('-map', '0:v:0', '-an', '-sn', '-dn', '-vf', videoFilter(cfg));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return args;
}
