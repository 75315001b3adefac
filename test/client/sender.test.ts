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
