import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openReadChannel } from '../../src/ingest/channel.js';
import { FramePool } from '../../src/ingest/pool.js';
import { FrameReader, type PoolPolicy } from '../../src/ingest/reader.js';
import { waitFor } from '../helpers/processes.js';

/** Bytes 0,1,2,… (mod 251) so a misplaced byte shows up as a wrong value. */
function bytes(n: number, start = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (start + i) % 251;
  return b;
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A FrameReader on a real Unix socket pair; `write` plays ffmpeg. */
async function setup(size: number, frameBytes: number, policy: PoolPolicy, release: boolean) {
  const pool = new FramePool(size, frameBytes);
  const got: Uint8Array[] = [];
  const copies: number[][] = [];
  let dropped = 0;
  const reader = new FrameReader(pool, policy, {
    frame: (rgb) => {
      got.push(rgb);
      copies.push([...rgb]);
      if (release) pool.release(rgb);
    },
    dropped: () => dropped++,
  });
  const { socket, peer } = await openReadChannel(reader.onread);
  sockets.push(socket, peer);
  reader.attach(socket);
  const write = (b: Uint8Array) => new Promise<void>((r) => peer.write(b, () => r()));
  return { pool, reader, socket, peer, got, copies, write, dropped: () => dropped };
}

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
    // shared memory: the detector's worker threads read a frame without a copy
    expect(b.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(pool.spare).not.toBe(a);
    expect(() => pool.release(new Uint8Array(5))).toThrow(RangeError);
  });
});

describe('FrameReader (real Unix socket pair)', () => {
  it('cuts frames across arbitrary write sizes without losing or moving a byte', async () => {
    const t = await setup(4, 30, 'wait', true);
    const all = bytes(30 * 5);
    for (const [a, b] of [
      [0, 7],
      [7, 30],
      [30, 31],
      [31, 95],
      [95, 150],
    ] as const)
      await t.write(all.subarray(a, b));
    await waitFor(() => t.copies.length === 5, 2000, 'five frames');
    expect(t.copies.flat()).toEqual([...all]);
  });

  it('reads straight into pool buffers: the frames it emits are the pool buffers, reused', async () => {
    const t = await setup(2, 1000, 'wait', true);
    await t.write(bytes(1000 * 6));
    await waitFor(() => t.got.length === 6, 2000, 'six frames');
    expect(new Set(t.got).size).toBeLessThanOrEqual(2);
    expect(t.copies[5]).toEqual([...bytes(1000, 5000)]);
  });

  it('wait policy: stops reading while the pool is empty, resumes on release, loses nothing', async () => {
    const t = await setup(2, 10, 'wait', false);
    await t.write(bytes(50));
    await waitFor(() => t.got.length === 2, 2000, 'two frames');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.got).toHaveLength(2);
    expect(t.socket.isPaused()).toBe(true);
    t.pool.release(t.got[0]!);
    await waitFor(() => t.got.length === 3, 2000, 'a third frame');
    expect(t.copies[2]).toEqual([...bytes(10, 20)]);
    t.pool.release(t.got[1]!);
    t.pool.release(t.got[2]!);
    await waitFor(() => t.got.length === 5, 2000, 'all five frames');
    expect(t.copies.flat()).toEqual([...bytes(50)]);
    expect(t.dropped()).toBe(0);
  });

  it('drop-newest policy: skips whole frames while the pool is empty and counts them', async () => {
    const t = await setup(2, 10, 'drop-newest', false);
    await t.write(bytes(45));
    await waitFor(() => t.dropped() === 2, 2000, 'two drops');
    expect(t.got).toHaveLength(2);
    // The frame already being skipped (bytes 40..49) stays skipped; the next one gets the freed buffer.
    t.pool.release(t.got[0]!);
    await t.write(bytes(15, 45));
    await waitFor(() => t.got.length === 3, 2000, 'a third frame');
    expect(t.dropped()).toBe(3);
    expect(t.copies[2]).toEqual([...bytes(10, 50)]);
  });

  it('stop() returns the half-filled buffer to the pool and reports the partial bytes', async () => {
    const t = await setup(2, 10, 'wait', true);
    await t.write(bytes(4));
    await waitFor(() => t.reader.partialBytes === 4, 2000, 'four bytes');
    expect(t.pool.outstanding).toBe(1);
    t.reader.stop();
    expect(t.pool.outstanding).toBe(0);
  });
});
