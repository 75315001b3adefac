import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SourceError } from '../errors.js';
import type { RgbImage } from '../types.js';
import { runFfmpeg } from './ffmpeg.js';

/** One bounded ffmpeg/ffprobe run through the ingest wrapper: stdout, stderr tail and exit code. */
async function run(
  bin: 'ffmpeg' | 'ffprobe',
  args: readonly string[],
  input?: Uint8Array,
): Promise<{ out: Buffer; err: string; code: number }> {
  const { stdout, exit } = await runFfmpeg(args, { bin, ...(input ? { stdin: input } : {}) });
  return { out: stdout, err: exit.stderr, code: exit.code ?? 1 };
}

/** Decodes a still image (JPEG, PNG, …) to RGB24 with ffprobe + ffmpeg; a non-image gets a clear SourceError. */
export async function decodeImage(file: string): Promise<RgbImage> {
  if (!existsSync(file)) throw new SourceError('SOURCE_NOT_FOUND', `${file}: no such file`);
  const probe = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,codec_type',
    '-of',
    'csv=p=0',
    '-protocol_whitelist',
    'file',
    `file:${resolve(file)}`,
  ]);
  const m = /^(\d+),(\d+)/m.exec(probe.out.toString().replace(/^video,/m, ''));
  if (probe.code !== 0 || !m) {
    const why = probe.err.trim().split('\n').pop() || 'no image stream';
    throw new SourceError('NOT_AN_IMAGE', `${file}: not a readable image (${why})`);
  }
  const width = Number(m[1]);
  const height = Number(m[2]);
  const dec = await run('ffmpeg', [
    '-v',
    'error',
    '-protocol_whitelist',
    'file',
    '-i',
    // file: and the whitelist keep a path that looks like a URL from reaching anything but a local file.
    `file:${resolve(file)}`,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
  if (dec.code !== 0 || dec.out.length !== width * height * 3) {
    throw new SourceError(
      'NOT_AN_IMAGE',
      `${file}: cannot decode image (${dec.err.trim().split('\n').pop() ?? 'short output'})`,
    );
  }
  return { width, height, rgb: new Uint8Array(dec.out.buffer, dec.out.byteOffset, dec.out.length) };
}

/** Encodes RGB24 pixels as PNG bytes (contact sheets, debug crops). */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  const res = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${img.width}x${img.height}`,
      '-i',
      '-',
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-vcodec',
      'png',
      '-',
    ],
    img.rgb,
  );
  if (res.code !== 0) throw new SourceError('ENCODE_FAILED', `PNG encode failed: ${res.err.trim()}`);
  return res.out;
}
