import { SourceError } from '../errors.js';
import { FILE_FORMATS, protocolWhitelist } from './args.js';
import { classifyStderr, sourceError } from './classify.js';
import { refineForFile } from './decode.js';
import { spawnFfmpeg } from './ffmpeg.js';
import { type SourceSpec, sourceLabel } from './spec.js';

/** What ffprobe says about a source's first video stream. */
export interface ProbeResult {
  readonly width: number;
  readonly height: number;
  /** Average frame rate; NaN when the container does not say (some live streams). */
  readonly fps: number;
  /** NaN for live streams and containers without a duration. */
  readonly durationMs: number;
  readonly codec: string;
  /** Frame count: counted by decoding when `countFrames`, else from the container header if it has one. */
  readonly frames?: number;
}

export interface ProbeOptions {
  /** Decode the whole stream to count frames exactly (slow on long files). */
  readonly countFrames?: boolean;
  readonly rtspTransport?: 'tcp' | 'udp';
  /** Kill ffprobe after this long (a stalled RTSP server makes it hang). Default 15 s. */
  readonly timeoutMs?: number;
}

interface FfprobeJson {
  streams?: Array<Record<string, string | number | undefined>>;
  format?: { duration?: string };
}

/** Probes a file path or a SourceSpec with the same protocol and demuxer limits as decoding. */
export async function probe(source: SourceSpec | string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const spec: SourceSpec = typeof source === 'string' ? { kind: 'file', path: source } : source;
  const label = sourceLabel(spec);
  const args = ['-hide_banner', '-v', 'error'];
  if (spec.kind === 'rtsp') {
    const transport = opts.rtspTransport ?? 'tcp';
    args.push('-rtsp_transport', transport, '-protocol_whitelist', protocolWhitelist(spec, transport));
    args.push('-f', 'rtsp', '-i', spec.url);
  } else {
    args.push(
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      FILE_FORMATS.join(','),
      '-i',
      `file:${spec.path}`,
    );
  }
  if (opts.countFrames) args.push('-count_frames');
  args.push('-select_streams', 'v:0', '-of', 'json');
  args.push(
    '-show_entries',
    'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_frames,duration:format=duration',
  );

  const proc = spawnFfmpeg(args, { bin: 'ffprobe' });
  const chunks: Buffer[] = [];
  proc.stdout?.on('data', (d: Buffer) => chunks.push(d));
  const timer = setTimeout(() => proc.kill(), opts.timeoutMs ?? 15_000);
  const exit = await proc.exited.finally(() => clearTimeout(timer));
  if (exit.spawnError) throw exit.spawnError;
  if (exit.killed) throw new SourceError('SOURCE_TIMEOUT', `${label}: ffprobe gave no answer in time`);
  if (exit.code !== 0) throw sourceError(label, refineForFile(spec, classifyStderr(exit.stderr)));

  const json = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as FfprobeJson;
  const s = json.streams?.[0];
  if (!s?.width || !s.height) throw new SourceError('NOT_A_VIDEO', `${label}: no video stream`);
  const fps = rate(s.avg_frame_rate) || rate(s.r_frame_rate);
  const duration = Number(s.duration ?? json.format?.duration);
  const count = Number(opts.countFrames ? s.nb_read_frames : s.nb_frames);
  const base = {
    width: Number(s.width),
    height: Number(s.height),
    fps: fps || Number.NaN,
    durationMs: Number.isFinite(duration) ? duration * 1000 : Number.NaN,
    codec: String(s.codec_name ?? 'unknown'),
  };
  return Number.isFinite(count) && count > 0 ? { ...base, frames: count } : base;
}

/** "30000/1001" → 29.97; "0/0" → 0. */
function rate(r: string | number | undefined): number {
  if (typeof r === 'number') return r;
  const [n, d] = (r ?? '').split('/').map(Number);
  return n && d ? n / d : 0;
}
