/** The real face photos that ship offline (npm and Debian packages); see ../shared FACTS and README. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/index.js';

export interface PhotoSource {
  /** Path relative to the package root, or absolute (Debian files). */
  readonly path: string;
  /** Detector tile side for photos of many small faces (0: whole image only). */
  readonly tile: number;
  /**
   * How identities are assigned: 'face' gives each face its own subject; 'image' puts every face of the
   * image in one subject (thumbnail grids repeat people, so faces there cannot be told apart by position).
   */
  readonly identity: 'face' | 'image';
}

const FACEAPI = 'node_modules/@vladmandic/face-api/demo';
const HUMAN = 'node_modules/@vladmandic/human/assets';

export const OFFLINE_PHOTOS: readonly PhotoSource[] = [
  ...[1, 2, 3, 4, 5, 6].map((i) => ({
    path: `${FACEAPI}/sample${i}.jpg`,
    tile: 0,
    identity: 'face' as const,
  })),
  { path: '/usr/lib/python3/dist-packages/skimage/data/astronaut.png', tile: 0, identity: 'face' },
  { path: '/usr/share/doc/opencv-doc/examples/data/messi5.jpg', tile: 0, identity: 'face' },
  { path: '/usr/lib/python3/dist-packages/skimage/data/camera.png', tile: 0, identity: 'face' },
  { path: `${HUMAN}/samples.jpg`, tile: 400, identity: 'image' },
  { path: `${HUMAN}/screenshot-facematch.jpg`, tile: 480, identity: 'image' },
];

export function resolvePhoto(p: string): string {
  return path.isAbsolute(p) ? p : path.join(PACKAGE_ROOT, p);
}

/** Sources whose file exists here, and the ones that do not (reported, not silently skipped). */
export function availablePhotos(list: readonly PhotoSource[] = OFFLINE_PHOTOS): {
  present: PhotoSource[];
  missing: string[];
} {
  const present = list.filter((s) => existsSync(resolvePhoto(s.path)));
  return { present, missing: list.filter((s) => !present.includes(s)).map((s) => s.path) };
}

/** Short stable name of a photo: its file name without extension. */
export function photoName(p: string): string {
  return path.basename(p).replace(/\.[^.]+$/, '');
}
