/** Messages between the detector pool (worker-pool.ts) and its worker threads (worker-entry.ts). */
import type { DetectErrorCode } from '../errors.js';
import type { FaceDetection } from '../types.js';

export interface DetectRequest {
  readonly id: number;
  readonly op: 'detect' | 'follow' | 'scan';
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  /** follow: the previous frame's faces; scan: this frame's known faces. */
  readonly previous?: readonly FaceDetection[];
}

export type DetectReply =
  | { readonly id: number; readonly faces: FaceDetection[] }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: DetectErrorCode } };
