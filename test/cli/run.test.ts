import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.js';
import { validateMessage } from '../schemas/validate.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'aupipe-cli-'));

const cli = (args: string[]) => runCli(args);

const ffmpegChildren = async (): Promise<number> => {
  const { execFileSync } = await import('node:child_process');
  try {
    return execFileSync('pgrep', ['-f', `ffmpeg.*${tmp}`])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
};

describe('aupipe run', () => {
  it('processes the bundled real-face video to the end: summary line, JSONL of every message', async () => {
    const jsonl = path.join(tmp, 'run.jsonl');
    const r = await cli(['run', '--source', 'assets/sample.mp4', '--fps', '4', '--jsonl', jsonl]);
    expect(r.code, r.stderr).toBe(0);
    const summary = lastJsonLine(r.stdout);
    expect(Object.keys(summary).sort()).toEqual([
      'auSamples',
      'events',
      'faces',
      'frames',
      'seconds',
      'tracks',
    ]);
    expect(summary.frames).toBe(60); // 15 s at 4 fps
    // 1 face for 5 s, 2 faces for 5 s, 4 faces for 5 s: at least one face in almost every frame
    expect(summary.faces).toBeGreaterThanOrEqual(100);
    expect(summary.tracks).toBeGreaterThanOrEqual(7);
    expect(summary.auSamples).toBe(summary.faces);
    const msgs = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(msgs.filter((m) => m.type === 'au')).toHaveLength(summary.auSamples);
    expect(msgs.filter((m) => m.type === 'track' && m.phase === 'start')).toHaveLength(summary.tracks);
    // every published message is valid against the committed JSON Schema files
    const invalid = msgs.map((m) => validateMessage(m)).filter((errs) => errs.length > 0);
    expect(invalid).toEqual([]);
    expect(msgs[0]).toMatchObject({ type: 'status', state: 'connecting' });
    expect(msgs[msgs.length - 1]).toMatchObject({ type: 'status', state: 'ended' });
    // the smiling astronaut in the first shot gives a happiness event that starts and ends
    const happy = msgs.filter((m) => m.type === 'emotion' && m.emotion === 'happiness' && m.trackId === 1);
    expect(happy.map((m) => m.phase)).toEqual(expect.arrayContaining(['start', 'end']));
  });

  it('a missing file: one clear error naming the source, exit 1, a summary line, no ffmpeg left', async () => {
    const missing = path.join(tmp, 'nope.mp4');
    const r = await cli(['run', '--source', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SOURCE_NOT_FOUND');
    expect(r.stderr).toContain(missing);
    expect(JSON.parse(r.stdout.trim()).frames).toBe(0);
    expect(await ffmpegChildren()).toBe(0);
  });

  it('a file that is not a video gets NOT_A_VIDEO', async () => {
    const txt = path.join(tmp, 'notes.mp4');
    writeFileSync(txt, 'this is not a video\n'.repeat(100));
    const r = await cli(['run', '--source', txt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NOT_A_VIDEO|CORRUPT_INPUT/);
    expect(r.stderr).toContain(txt);
  });

  it('an unsupported URL scheme is refused before anything starts', async () => {
    const r = await cli(['run', '--source', 'http://127.0.0.1:1/cam.mp4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('UNSUPPORTED_SCHEME');
  });

  it('a bad config value exits 2 and names key, value and what is allowed', async () => {
    const r = await cli(['run', '--source', 'assets/sample.mp4', '--fps', '500']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config key "ingest\.fps": value 500 is not allowed: .*60/);
  });

  it('a flag that is not a number exits 2 naming the flag, with no stack trace (issue #18, item 6)', async () => {
    for (const args of [
      ['run', '--source', 'assets/sample.mp4', '--fps', 'abc'],
      ['run', '--source', 'assets/sample.mp4', '--every', 'x'],
      ['serve', '--port', 'abc'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`option '${args[args.length - 2]} <\\w+>' argument '${args[args.length - 1]}' is invalid`),
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const help = await cli(['run', '--help']);
    expect(help.code).toBe(0);
  });

  it('Ctrl-C (SIGINT to the process group) during a run stops cleanly: exit 0, summary printed, every started event ended', async () => {
    const jsonl = path.join(tmp, 'stopped.jsonl');
    // Paced like a camera (15 s of video), so the stop lands mid-stream whatever the machine's speed:
    // signal once the smiling astronaut's happiness event has started (an event is open at the stop).
    // a private copy of the video, so the no-ffmpeg-left check below matches this run's decoder only
    const video = path.join(tmp, 'stop-test.mp4');
    copyFileSync('assets/sample.mp4', video);
    const p = startCli(['run', '--source', video, '--fps', '10', '--jsonl', jsonl], {
      AUPIPE_INGEST_REALTIME: 'true',
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      if (existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"emotion"')) break;
    }
    p.signalGroup('SIGINT');
    const r = { code: await p.exited, ...p.out };
    expect(r.code, r.stderr).toBe(0);
    const summary = lastJsonLine(r.stdout);
    expect(summary.frames).toBeGreaterThan(0);
    expect(summary.frames).toBeLessThan(150);
    const msgs = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const started = new Set(msgs.filter((m) => m.type === 'emotion' && m.phase === 'start').map((m) => m.id));
    const ended = new Set(msgs.filter((m) => m.type === 'emotion' && m.phase === 'end').map((m) => m.id));
    expect(started.size).toBeGreaterThan(0);
    expect([...started].filter((id) => !ended.has(id))).toEqual([]);
    expect(await ffmpegChildren()).toBe(0);
  });
});
