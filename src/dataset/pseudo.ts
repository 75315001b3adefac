/**
 * `dataset pseudo`: a pseudo-labelled training set of real faces. Every face the production detector finds
 * in the offline photos is aligned with the production alignment and labelled by the mesh estimator; each
 * face also yields `augment` variants made by cutting a jittered patch (crop/scale/rotation), changing its
 * photometry (colour, blur, noise, JPEG, partial occlusion), then detecting the face again and recomputing
 * the crop and the labels from the re-detected mesh. Deterministic from `seed`.
 */
import { meshAus, normalizeMesh } from '../classify/mesh/index.js';
import { alignFace, type FaceDetector, iou, TEMPLATE_ID } from '../detect/index.js';
import { decodeImage } from '../ingest/image.js';
import { AU_KEYS, type FaceDetection, type RgbImage } from '../types.js';
import { applyPhoto, cutPatch, drawPatchParams, drawPhotoParams, seededRandom, toPatch } from './augment.js';
import { findFaces } from './faces.js';
import { type Dataset, DatasetWriter } from './format.js';
import { jpegRoundTrip } from './jpeg.js';
import { availablePhotos, OFFLINE_PHOTOS, type PhotoSource, photoName, resolvePhoto } from './sources.js';

export interface PseudoOptions {
  readonly out: string;
  readonly seed: number;
  /** Augmented variants per face (0: the base set only). */
  readonly augment: number;
  readonly detector: FaceDetector;
  readonly cropSize?: number;
  /**
   * Largest rigid-fit residual (inter-ocular units) at which the mesh is trusted; faces above it get empty
   * (unknown) labels. Default 0.3, about 3x the median residual of real faces (0.10 on the face-api photos,
   * 0.11 on the facematch thumbnails): above it the mesh is broken (drawn text over the face, profiles).
   */
  readonly maxResidual?: number;
  readonly photos?: readonly PhotoSource[];
  /** Written into meta.json `createdWith`. */
  readonly createdWith?: string;
  readonly onProgress?: (p: {
    readonly photo: string;
    readonly faces: number;
    readonly samples: number;
  }) => void;
}

export interface PseudoReport {
  readonly dataset: Dataset;
  readonly faces: number;
  readonly subjects: number;
  readonly samples: number;
  /** Augmented variants in which the detector found no face where it should be (not written). */
  readonly lostOnRedetect: number;
  /** Samples written with empty labels because the mesh fit was poor (see `maxResidual`). */
  readonly unlabelled: number;
  readonly missingPhotos: readonly string[];
}

/** The re-detected face: the detection that overlaps where the original face should be in the patch. */
function redetected(found: readonly FaceDetection[], toSource: readonly number[], d: FaceDetection) {
  const [x0, y0] = toPatch(toSource, d.box.x, d.box.y);
  const [x1, y1] = toPatch(toSource, d.box.x + d.box.w, d.box.y + d.box.h);
  const expect = { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
  let best: FaceDetection | undefined;
  let bestIou = 0.3;
  for (const f of found) {
    const o = iou(f.box, expect);
    if (o > bestIou) {
      best = f;
      bestIou = o;
    }
  }
  return best;
}

function labelsOf(mesh: Float32Array, maxResidual: number) {
  if (normalizeMesh(mesh).residual > maxResidual) return null;
  const p = meshAus(mesh);
  const out: Partial<Record<(typeof AU_KEYS)[number], number>> = {};
  for (const k of AU_KEYS) out[k] = p[k];
  return out;
}

/** Builds the pseudo-labelled dataset in `opts.out` (the folder is created; existing crops are overwritten). */
export async function buildPseudoDataset(opts: PseudoOptions): Promise<PseudoReport> {
  const cropSize = opts.cropSize ?? 112;
  const { present, missing } = availablePhotos(opts.photos ?? OFFLINE_PHOTOS);
  const writer = await DatasetWriter.create(opts.out, {
    format: 'aupipe-dataset',
    version: 1,
    templateId: TEMPLATE_ID,
    cropSize,
    aus: AU_KEYS,
    labelKind: 'probability',
    source: 'pseudo:offline-photos (labels: mesh-geometry estimator)',
    createdWith: opts.createdWith ?? `aupipe dataset pseudo --seed ${opts.seed} --augment ${opts.augment}`,
    extra: {
      seed: opts.seed,
      augment: opts.augment,
      photos: present.map((p) => p.path),
      missingPhotos: missing,
    },
  });
  let faces = 0;
  let lost = 0;
  let unlabelled = 0;
  const maxResidual = opts.maxResidual ?? 0.3;
  const labels = (mesh: Float32Array) => {
    const l = labelsOf(mesh, maxResidual);
    if (!l) unlabelled++;
    return l ?? {};
  };
  const subjects = new Set<string>();
  for (const src of present) {
    const img = await decodeImage(resolvePhoto(src.path));
    const found = await findFaces(opts.detector, img, src.tile);
    const name = photoName(src.path);
    for (const [k, d] of found.entries()) {
      const id = `${name}-${k + 1}`;
      const subject = src.identity === 'face' ? id : name;
      subjects.add(subject);
      faces++;
      const row = { subject, source: `${src.path}#${k + 1}`, frame: 0 };
      await writer.add({ ...row, labels: labels(d.mesh) }, alignFace(img, d.mesh, cropSize), `${id}-a0`);
      for (let j = 1; j <= opts.augment; j++) {
        const sample = await augmentOne(opts, img, d, j, `${src.path}#${k + 1}`);
        if (!sample) {
          lost++;
          continue;
        }
        await writer.add({ ...row, labels: labels(sample.mesh) }, sample.crop, `${id}-a${j}`);
      }
    }
    opts.onProgress?.({ photo: src.path, faces, samples: writer.count });
  }
  const dataset = await writer.finish();
  return {
    dataset,
    faces,
    subjects: subjects.size,
    samples: writer.count,
    lostOnRedetect: lost,
    unlabelled,
    missingPhotos: missing,
  };
}

/** FNV-1a of a string, mixed with the seed: each sample's draws depend only on (seed, face, variant). */
function sampleSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

async function augmentOne(
  opts: PseudoOptions,
  img: RgbImage,
  d: FaceDetection,
  j: number,
  key: string,
): Promise<{ crop: ReturnType<typeof alignFace>; mesh: Float32Array } | null> {
  const rng = seededRandom(sampleSeed(opts.seed, `${key}/${j}`));
  const { patch, toSource } = cutPatch(img, d.box, drawPatchParams(rng));
  const photo = drawPhotoParams(rng);
  let pix = applyPhoto(patch, photo, rng);
  if (photo.jpegQ > 0) pix = await jpegRoundTrip(pix, photo.jpegQ);
  const again = redetected(await opts.detector.detect(pix), toSource, d);
  if (!again) return null;
  return { crop: alignFace(pix, again.mesh, opts.cropSize ?? 112), mesh: again.mesh };
}
