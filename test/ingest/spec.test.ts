import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { decodeArgs, protocolWhitelist, videoFilter } from '../../src/ingest/args.js';
import { parseSource, redactUrl, sourceLabel } from '../../src/ingest/spec.js';
import { tempDir } from '../helpers/videos.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const cfg = configSchema.parse({}).ingest;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('parseSource', () => {
  it('reads rtsp:// and rtsps:// URLs as live sources', () => {
    expect(parseSource('rtsp://127.0.0.1:8554/cam')).toEqual({
      kind: 'rtsp',
      url: 'rtsp://127.0.0.1:8554/cam',
    });
    expect(parseSource('RTSPS://cam.local/x')).toEqual({ kind: 'rtsp', url: 'RTSPS://cam.local/x' });
  });

  it('reads plain paths as files, made absolute', () => {
    expect(parseSource('assets/sample.mp4')).toEqual({ kind: 'file', path: resolve('assets/sample.mp4') });
    expect(parseSource('/no/such/file.mp4')).toEqual({ kind: 'file', path: '/no/such/file.mp4' });
  });

  it('refuses every other scheme, so a source string cannot reach the network or other files', () => {
    for (const s of [
      'http://example.com/a.mp4',
      'https://x/y',
      'file:///etc/passwd',
      'concat:a.mp4|b.mp4',
      'udp://1.2.3.4:5',
      'data:,x',
    ]) {
      expect(
        codeOf(() => parseSource(s)),
        s,
      ).toBe('UNSUPPORTED_SCHEME');
    }
  });

  it('accepts an existing local file whose name contains a colon', () => {
    const p = join(tmp.dir, 'clip:1.mp4');
    writeFileSync(p, 'x');
    const rel = `clip:1.mp4`;
    const cwd = process.cwd();
    process.chdir(tmp.dir);
    try {
      expect(parseSource(rel)).toEqual({ kind: 'file', path: p });
    } finally {
      process.chdir(cwd);
    }
  });

  it('rejects empty strings and malformed RTSP URLs', () => {
    expect(codeOf(() => parseSource(''))).toBe('INVALID_SOURCE');
    expect(codeOf(() => parseSource('rtsp://'))).toBe('INVALID_SOURCE');
  });

  it('never shows a password in labels or error messages', () => {
    expect(redactUrl('rtsp://admin:s3cret@10.0.0.2:554/live')).toBe('rtsp://admin:***@10.0.0.2:554/live');
    expect(sourceLabel(parseSource('rtsp://admin:s3cret@cam/live'))).not.toContain('s3cret');
    try {
      parseSource('http://u:s3cret@host/x');
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });
});

describe('decodeArgs', () => {
  it('limits a file to the file protocol and plain container demuxers, read through file:', () => {
    const args = decodeArgs({ kind: 'file', path: '/v/a:b.mp4' }, cfg);
    expect(args[args.indexOf('-protocol_whitelist') + 1]).toBe('file');
    expect(args[args.indexOf('-format_whitelist') + 1]).not.toMatch(/concat|hls|image2/);
    expect(args[args.indexOf('-i') + 1]).toBe('file:/v/a:b.mp4');
    expect(args.slice(-5)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(args).not.toContain('-re');
    expect(args).not.toContain('-stream_loop');
  });

  it('decodes on ingest.decodeThreads threads (before -i, an input option), or leaves it to ffmpeg at 0', () => {
    const one = decodeArgs({ kind: 'file', path: '/v/a.mp4' }, { ...cfg, decodeThreads: 1 });
    expect(one[one.indexOf('-threads') + 1]).toBe('1');
    expect(one.indexOf('-threads')).toBeLessThan(one.indexOf('-i'));
    const rtsp = decodeArgs({ kind: 'rtsp', url: 'rtsp://cam/x' }, { ...cfg, decodeThreads: 4 });
    expect(rtsp[rtsp.indexOf('-threads') + 1]).toBe('4');
    expect(decodeArgs({ kind: 'file', path: '/v/a.mp4' }, { ...cfg, decodeThreads: 0 })).not.toContain(
      '-threads',
    );
  });

  it('adds -re and -stream_loop -1 for realtime and looping files', () => {
    const args = decodeArgs({ kind: 'upload', path: '/v/a.mp4' }, { ...cfg, realtime: true, loop: true });
    expect(args).toContain('-re');
    expect(args[args.indexOf('-stream_loop') + 1]).toBe('-1');
  });

  it('gives RTSP only the protocols its transport needs', () => {
    const rtsp = { kind: 'rtsp', url: 'rtsp://cam/x' } as const;
    expect(protocolWhitelist(rtsp, 'tcp')).toBe('rtsp,tcp');
    expect(protocolWhitelist(rtsp, 'udp')).toBe('rtsp,tcp,rtp,udp');
    expect(protocolWhitelist({ kind: 'rtsp', url: 'rtsps://cam/x' }, 'tcp')).toBe('rtsp,rtsps,tcp,tls');
    const args = decodeArgs(rtsp, cfg);
    expect(args[args.indexOf('-rtsp_transport') + 1]).toBe('tcp');
    expect(args[args.indexOf('-f') + 1]).toBe('rtsp');
    expect(args).not.toContain('-stream_loop');
  });

  it('drops to the analysis fps first, then letterboxes to the configured size', () => {
    expect(videoFilter({ width: 640, height: 480, fps: 10 })).toBe(
      'fps=10,scale=640:480:force_original_aspect_ratio=decrease:flags=bilinear,pad=640:480:(ow-iw)/2:(oh-ih)/2:black,setsar=1',
    );
  });
});
