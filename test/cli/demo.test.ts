import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('aupipe demo (the README first command)', () => {
  it('serves the bundled sample as a live stream with an embedded NATS, then stops cleanly on a terminal Ctrl-C', async () => {
    const child = spawn(process.execPath, ['bin/aupipe.mjs', 'demo', '--port', '0', '--log-level', 'warn'], {
      env: { ...process.env, AUPIPE_SERVER_DATA_DIR: `/tmp/aupipe-demo-test-${process.pid}` },
      detached: true, // its own process group, so the Ctrl-C below reaches the group like a terminal's
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const deadline = Date.now() + 45_000;
    while (!/dashboard\s+(http:\S+)/.test(stdout) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const url = /dashboard\s+(http:\S+?)\/?\n/.exec(stdout)?.[1];
    expect(url, stderr).toBeDefined();
    expect(stdout).toMatch(/NATS\s+nats:\/\/127\.0\.0\.1:\d+ \(embedded\)/);
    // wait until the sample stream has analysed frames and found a face
    let stream: { id: string; state: string; frames: number; activeTracks: number[] } | undefined;
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${url}/api/streams`)).json()) as { streams: (typeof stream)[] };
      stream = body.streams.find((s) => s?.id === 'sample');
      if (stream && stream.frames > 10 && stream.activeTracks.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(stream?.state).toBe('live');
    expect(stream?.activeTracks.length).toBeGreaterThan(0);
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain('aupipe');
    // Ctrl-C in a terminal signals the whole process group (ffmpeg and nats-server included)
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited, stderr).toBe(0);
    expect(stderr).not.toMatch(/NATS disconnected/);
  });
});
