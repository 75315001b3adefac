import { describe, expect, it } from 'vitest';
import { Sender, type SocketLike } from '../../src/client/sender.js';
import type { Message } from '../../src/types.js';
import { auSample, emotionEvent } from '../helpers/messages.js';

function socket(open = true): SocketLike & { out: string[]; readyState: number } {
  const s = { readyState: open ? 1 : 0, out: [] as string[], send: (d: string) => void s.out.push(d) };
  return s;
}

describe('Sender: what leaves the device', () => {
  it('thins AU samples to the rate per track and always sends events', () => {
    const ws = socket();
    const s = new Sender(ws, 4);
    const msgs: Message[] = [];
    for (let seq = 0; seq < 15; seq++) msgs.push({ ...auSample('web-a', seq), ptsMs: (seq * 1000) / 15 });
    msgs.push(emotionEvent('web-a', 1));
    s.send(msgs);
    const types = ws.out.map((d) => (JSON.parse(d) as Message).type);
    expect(types.filter((t) => t === 'au')).toHaveLength(4);
    expect(types).toContain('emotion');
    expect(s.stats()).toMatchObject({ sent: 5, thinned: 11, refused: 0, byType: { au: 4, emotion: 1 } });
    expect(s.stats().bytes).toBe(ws.out.reduce((a, d) => a + d.length, 0));
  });

  it('keeps the attention reading on attentionRateHz of the sent AU samples per track, strips it from the rest', () => {
    const ws = socket();
    const s = new Sender(ws, 3, () => {}, 1);
    const reading = { faces: 1, pose: { yaw: 1.5, pitch: -2, roll: 0.1 }, offScreen: 0.2, onScreen: true };
    const msgs: Message[] = [];
    // 2 s at 15 fps, two faces
    for (let seq = 0; seq < 30; seq++)
      for (const trackId of [1, 2])
        msgs.push({ ...auSample('web-a', seq, trackId), ptsMs: (seq * 1000) / 15, attention: reading });
    s.send(msgs);
    const out = ws.out.map((d) => JSON.parse(d) as Message & { attention?: unknown; trackId: number });
    for (const t of [1, 2]) {
      const mine = out.filter((m) => m.trackId === t);
      expect(mine).toHaveLength(6); // 3 Hz over 2 s
      // the first, then one a second, carry the reading
      expect(mine.map((m) => m.attention !== undefined)).toEqual([true, false, false, true, false, false]);
      expect(mine[0]!.attention).toEqual(reading);
    }
    expect(s.stats()).toMatchObject({ sent: 12, thinned: 48, attentionThinned: 8, refused: 0 });
  });

  it('never sends a message that fails the ingest check (a NaN AU, an extra field)', () => {
    const ws = socket();
    const problems: string[] = [];
    const s = new Sender(ws, 100, (p) => problems.push(p));
    const nan = auSample('web-a', 1);
    s.send([
      { ...nan, au: { ...nan.au, AU12: Number.NaN } },
      { ...auSample('web-a', 2), crop: 'x' } as unknown as Message,
    ]);
    expect(ws.out).toEqual([]);
    expect(s.stats().refused).toBe(2);
    expect(problems.join('\n')).toMatch(/INGEST_INVALID/);
  });

  it('drops AU samples while disconnected, queues events and sends them first once attached', () => {
    const down = socket(false);
    const s = new Sender(down, 100);
    s.send([auSample('web-a', 1), emotionEvent('web-a', 1)]);
    expect(down.out).toEqual([]);
    const up = socket();
    s.attach(up);
    s.send([auSample('web-a', 2)]);
    expect(up.out.map((d) => (JSON.parse(d) as Message).type)).toEqual(['emotion', 'au']);
    expect(s.stats()).toMatchObject({ sent: 2, dropped: 1 });
  });
});
