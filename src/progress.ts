/** A one-line progress display on a TTY stderr: frames done, fps and ETA. Silent when stderr is not a TTY. */
export class Progress {
  private last = 0;
  private readonly started = performance.now();
  constructor(
    private readonly totalFrames: number | undefined,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}
  get enabled(): boolean {
    return Boolean(this.out.isTTY);
  }
  update(frames: number, extra = ''): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.out.write(
      `\r\x1b[K${formatProgress(frames, this.totalFrames, (now - this.started) / 1000)}${extra}`,
    );
  }
  done(): void {
    if (this.enabled) this.out.write('\r\x1b[K');
  }
}

/** `120/450 frames  27%  24.1 fps  ETA 14s` (pure, for tests). */
export function formatProgress(frames: number, total: number | undefined, elapsedSec: number): string {
  const fps = elapsedSec > 0 ? frames / elapsedSec : 0;
  if (!total) return `${frames} frames  ${fps.toFixed(1)} fps`;
  const pct = Math.min(100, Math.floor((frames / total) * 100));
  const eta = fps > 0 ? Math.max(0, Math.ceil((total - frames) / fps)) : undefined;
  return `${frames}/${total} frames  ${pct}%  ${fps.toFixed(1)} fps  ETA ${eta === undefined ? '?' : `${eta}s`}`;
}
