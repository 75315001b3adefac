/**
 * The camera on the student's device: getUserMedia into a <video>, and the current picture as RGB24 at a
 * bounded size when the pipeline asks for one. Pixels stay in this page: they go to the analyzer and nowhere
 * else.
 */

export interface Camera {
  readonly width: number;
  readonly height: number;
  /** The current picture, RGB24 (`width*height*3` bytes, reused between calls). */
  grab(): Uint8Array;
  stop(): void;
}

/** Opens the camera at up to `maxWidth` pixels wide (the pipeline's cost grows with the frame). */
export async function openCamera(video: HTMLVideoElement, maxWidth = 640): Promise<Camera> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: maxWidth }, height: { ideal: (maxWidth * 3) / 4 } },
    audio: false,
  });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  if (!video.videoWidth)
    await new Promise((r) => video.addEventListener('loadedmetadata', r, { once: true }));
  const scale = Math.min(1, maxWidth / video.videoWidth);
  const width = Math.round(video.videoWidth * scale);
  const height = Math.round(video.videoHeight * scale);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const rgb = new Uint8Array(width * height * 3);
  return {
    width,
    height,
    grab() {
      ctx.drawImage(video, 0, 0, width, height);
      rgbaToRgb(ctx.getImageData(0, 0, width, height).data, rgb);
      return rgb;
    },
    stop() {
      for (const t of stream.getTracks()) t.stop();
    },
  };
}

/** RGBA (canvas) to RGB24, into `out`. */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, out: Uint8Array): Uint8Array {
  for (let i = 0, j = 0; j < out.length; i += 4, j += 3) {
    out[j] = rgba[i]!;
    out[j + 1] = rgba[i + 1]!;
    out[j + 2] = rgba[i + 2]!;
  }
  return out;
}
