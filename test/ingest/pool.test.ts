import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameAssembler } from '../../src/ingest/assembler.js';
import { FramePool } from '../../src/ingest/pool.js';

/** Bytes 0,1,2,… (mod 251) so a misplaced copy shows up as a wrong value. */
function bytes(n: number, start = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (start + i) % 251;
  return b;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('FramePool', () => {
  it('hands out at most size buffers, reuses released ones and allocates lazily', () => {
    const pool = new FramePool(2, 12);
    const a = pool.acquire()!;
    const b = pool.acquire()!;
    expect(pool.acquire()).toBeUndefined();
    expect(pool.outstanding).toBe(2);
    pool.release(a);
    expect(pool.acquire()).toBe(a);
    expect(b.byteLength).toBe(12);
    expect(() => pool.release(new Uint8Array(5))).toThrow(RangeError);
  });
});

describe('FrameAssembler', () => {
  it('cuts frames across arbitrary chunk boundaries without losing or moving a byte', async () => {
    const frameBytes = 30;
    const pool = new FramePool(4, frameBytes);
    const input = new PassThrough();
    const frames: number[][] = [];
    new FrameAssembler(input, pool, 'wait', {
      frame: (rgb) => {
        frames.push([...rgb]);
        pool.release(rgb);
      },
      dropped: () => expect.fail('no drops under wait'),
    });
    const all = bytes(frameBytes * 5);
    for (const [a, b] of [
      [0, 7],
      [7, 30],
      [30, 31],
      [31, 95],
      [95, 150],
    ] as const)
      input.write(all.subarray(a, b));
    input.end();
    await tick();
    expect(frames).toHaveLength(5);
    expect(frames.flat()).toEqual([...all]);
  });

  it('wait policy: pauses the stream when the pool is empty and continues on release', async () => {
    const pool = new FramePool(2, 10);
    const input = new PassThrough();
    const got: Uint8Array[] = [];
    new FrameAssembler(input, pool, 'wait', {
      frame: (rgb) => got.push(rgb),
      dropped: () => expect.fail('no drops'),
    });
    input.write(bytes(50));
    await tick();
    expect(got).toHaveLength(2);
    expect(input.isPaused()).toBe(true);
    const first = [...got[0]!];
    pool.release(got[0]!);
    await tick();
    expect(got).toHaveLength(3);
    expect([...got[2]!]).toEqual([...bytes(10, 20)]);
    expect(first).toEqual([...bytes(10, 0)]);
    pool.release(got[1]!);
    pool.release(got[2]!);
    await tick();
    expect(got).toHaveLength(5);
    expect(input.isPaused()).toBe(false);
  });

  it('drop-newest policy: skips whole frames while the pool is empty and counts them', async () => {
    const pool = new FramePool(2, 10);
    const input = new PassThrough();
    const got: Uint8Array[] = [];
    let dropped = 0;
    new FrameAssembler(input, pool, 'drop-newest', {
      frame: (rgb) => got.push(rgb),
      dropped: () => dropped++,
    });
    input.write(bytes(45));
    await tick();
    expect(got).toHaveLength(2);
    expect(dropped).toBe(2);
    // The frame that was already being skipped (bytes 40..49) stays skipped; the next one gets the buffer.
    pool.release(got[0]!);
    input.write(bytes(15, 45));
    await tick();
    expect(dropped).toBe(3);
    expect(got).toHaveLength(3);
    expect([...got[2]!]).toEqual([...bytes(10, 50)]);
  });

  it('stop() returns a half-filled buffer to the pool', async () => {
    const pool = new FramePool(2, 10);
    const input = new PassThrough();
    const asm = new FrameAssembler(input, pool, 'wait', { frame: () => {}, dropped: () => {} });
    input.write(bytes(4));
    await tick();
    expect(asm.partialBytes).toBe(4);
    expect(pool.outstanding).toBe(1);
    asm.stop();
    expect(pool.outstanding).toBe(0);
  });
});
