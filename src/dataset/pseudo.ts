/**
 * `dataset pseudo`: a pseudo-labelled training set of real faces. Every face the production detector finds
 * in the offline photos is aligned with the production alignment and labelled by the mesh estimator; each
 * face also yields `augment` variants made by cutting a jittered patch (crop/scale/rotation), changing its
 * photometry (colour, blur, noise, JPEG, partial occlusion), then detecting the face again and recomputing
 * the crop and the labels from the re-detected mesh. Deterministic from `seed`.
 */
import {
  LANDMARKS68_DIR,
  Landmarks68,
  lipMeasures68,
  meshAus,
  mouthAppearance,
  normalizeMesh,
} from '../classify/index.js';
import { alignFace, type FaceDetector, iou, matchByIou, TEMPLATE_ID } from '../detect/index.js';
import { decodeImage } from '../ingest/index.js';
import { type AlignedCrop, AU_KEYS, type Box, type FaceDetection, type RgbImage } from '../types.js';
import { applyPhoto, cutPatch, drawPatchParams, drawPhotoParams, seededRandom, toPatch } from './augment.js';
import { findFaces } from './faces.js';
import { type Dataset, DatasetWriter } from './format.js';
import { jpegRoundTrip } from './jpeg.js';
import { WARP_KINDS, warpFace } from './mesh-warp.js';
import { availablePhotos, OFFLINE_PHOTOS, type PhotoSource, photoName, resolvePhoto } from './sources.js';

export interface PseudoOptions {
  readonly out: string;
  readonly seed: number;
  /** Augmented variants per face (0: the base set only). */
  readonly augment: number;
  /**
   * Mesh-warped variants per face (default 0): a small lip-corner pull, jaw drop or brow raise
   * (`mesh-warp.ts`), then detected again and labelled from the re-detected mesh, never from the warp.
   * Written as `<id>-w<j>`.
   */
  readonly warps?: number;
  readonly detector: FaceDetector;
  readonly cropSize?: number;
  /**
   * Largest rigid-fit residual (inter-ocular units) at which the mesh is trusted; faces above it get empty
   * (unknown) labels. Default 0.3, about 3x the median residual of real faces (0.10 on the face-api photos,
   * 0.11 on the facematch thumbnails): above it the mesh is broken (drawn text over the face, profiles).
   */
  readonly maxResidual?: number;
  readonly photos?: readonly PhotoSource[];
  /**
   * What labels each crop: 'mesh' (default) is the production mesh estimator without its expression net:
   * geometry, the teeth/cavity it sees between the lips in the aligned crop (AU25) and the 68-point landmark
   * net's mouth reading (AU12, AU25, AU26); 'mesh-crop' leaves the net out; 'geometry' is the mesh measures
   * alone. The expression net's `happy` stays out of every labeller: the CNN student starts from that very
   * net's backbone (face-api's expression net), so its labels stay measurements of geometry and the mouth.
   */
  readonly labeller?: Labeller;
  /** The 68-point landmark model folder for the 'mesh' labeller (default: the shipped one). */
  readonly lipModel?: string;
  /**
   * Faces that already have an id (the hand-labelled yardstick): a found face whose box overlaps one of
   * these in the same photo (IoU ≥ 0.5) takes its id, so the trainer's and `aupipe eval --yardstick`'s join
   * by id reaches the right face whatever order the detector reports faces in. Other faces are named
   * `<photo>-n<k>` then, so they can never take a known id by position.
   */
  readonly knownFaces?: readonly KnownFace[];
  readonly onProgress?: (p: {
    readonly photo: string;
    readonly faces: number;
    readonly samples: number;
  }) => void;
}

export interface KnownFace {
  readonly id: string;
  /** Absolute path of the photo. */
  readonly image: string;
  readonly box: Box;
}

/**
 * Ids for the faces found in one photo (pure): each known face of that photo goes to the found face it
 * overlaps (IoU ≥ 0.5, the tracker's optimal one-to-one matching); without `known`, faces are numbered in
 * detector order.
 */
export function faceIds(
  name: string,
  image: string,
  found: readonly Box[],
  known: readonly KnownFace[] | undefined,
): string[] {
  if (!known) return found.map((_, k) => `${name}-${k + 1}`);
  const here = known.filter((f) => f.image === image);
  const match = matchByIou(
    found,
    here.map((f) => f.box),
    0.5,
  );
  return match.map((j, k) => (j >= 0 ? (here[j] as KnownFace).id : `${name}-n${k + 1}`));
}

export interface PseudoReport {
  readonly dataset: Dataset;
  readonly faces: number;
  readonly subjects: number;
  readonly samples: number;
  /** Augmented or warped variants in which the detector found no face where it should be (not written). */
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

export type Labeller = 'mesh' | 'mesh-crop' | 'geometry';

/** Soft labels of one crop: the mesh estimator's probabilities, with as much of the crop as `labeller` reads. */
async function labelsOf(
  mesh: Float32Array,
  crop: AlignedCrop,
  labeller: Labeller,
  net: Landmarks68 | undefined,
  maxResidual: number,
) {
  if (normalizeMesh(mesh).residual > maxResidual) return null;
  const lips68 = net ? lipMeasures68((await net.landmarks([crop]))[0] as Float32Array) : undefined;
  const p = meshAus(mesh, {
    ...(labeller !== 'geometry' ? { mouth: mouthAppearance(crop, mesh) } : {}),
    ...(lips68 ? { lips68 } : {}),
  });
  const out: Partial<Record<(typeof AU_KEYS)[number], number>> = {};
  for (const k of AU_KEYS) out[k] = p[k];
  return out;
}

const LABELLER_TEXT: Readonly<Record<Labeller, string>> = {
  mesh: 'mesh estimator, geometry + mouth appearance + 68-point lip net',
  'mesh-crop': 'mesh estimator, geometry + mouth appearance',
  geometry: 'mesh-geometry estimator',
};

/** Builds the pseudo-labelled dataset in `opts.out` (the folder is created; existing crops are overwritten). */
export async function buildPseudoDataset(opts: PseudoOptions): Promise<PseudoReport> {
  const cropSize = opts.cropSize ?? 112;
  const labeller = opts.labeller ?? 'mesh';
  const { present, missing } = availablePhotos(opts.photos ?? OFFLINE_PHOTOS);
  const writer = await DatasetWriter.create(opts.out, {
    format: 'aupipe-dataset',
    version: 1,
    templateId: TEMPLATE_ID,
    cropSize,
    aus: AU_KEYS,
    labelKind: 'probability',
    source: `pseudo:offline-photos (labels: ${LABELLER_TEXT[labeller]})`,
    // the CLI command that builds the same bytes
    createdWith: `aupipe dataset pseudo --seed ${opts.seed} --augment ${opts.augment}${opts.warps ? ` --warps ${opts.warps}` : ''} --labeller ${labeller}`,
    extra: {
      seed: opts.seed,
      augment: opts.augment,
      warps: opts.warps ?? 0,
      labeller,
      photos: present.map((p) => p.path),
      missingPhotos: missing,
    },
  });
  let faces = 0;
  let lost = 0;
  let unlabelled = 0;
  const maxResidual = opts.maxResidual ?? 0.3;
  const net = labeller === 'mesh' ? await Landmarks68.open(opts.lipModel ?? LANDMARKS68_DIR) : undefined;
  const labels = async (mesh: Float32Array, crop: AlignedCrop) => {
    const l = await labelsOf(mesh, crop, labeller, net, maxResidual);
    if (!l) unlabelled++;
    return l ?? {};
  };
  const subjects = new Set<string>();
  try {
    for (const src of present) {
      const img = await decodeImage(resolvePhoto(src.path));
      const found = await findFaces(opts.detector, img, src.tile);
      const name = photoName(src.path);
      const ids = faceIds(
        name,
        resolvePhoto(src.path),
        found.map((d) => d.box),
        opts.knownFaces,
      );
      for (const [k, d] of found.entries()) {
        const id = ids[k] as string;
        const subject = src.identity === 'face' ? id : name;
        subjects.add(subject);
        faces++;
        const row = { subject, source: `${src.path}#${k + 1}`, frame: 0 };
        const crop = alignFace(img, d.mesh, cropSize);
        await writer.add({ ...row, labels: await labels(d.mesh, crop) }, crop, `${id}-a0`);
        for (const [tag, count, make] of VARIANTS)
          for (let j = 1; j <= count(opts); j++) {
            const sample = await make(opts, img, d, j, `${src.path}#${k + 1}`);
            if (!sample) {
              lost++;
              continue;
            }
            await writer.add(
              { ...row, labels: await labels(sample.mesh, sample.crop) },
              sample.crop,
              `${id}-${tag}${j}`,
            );
          }
      }
      opts.onProgress?.({ photo: src.path, faces, samples: writer.count });
    }
  } finally {
    await net?.close();
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

/** One augmented variant: a jittered patch with photometric changes, detected and measured again. */
const augmentOne: MakeVariant = async (opts, img, d, j, key) => {
  const rng = seededRandom(sampleSeed(opts.seed, `${key}/${j}`));
  const { patch, toSource } = cutPatch(img, d.box, drawPatchParams(rng));
  const photo = drawPhotoParams(rng);
  let pix = applyPhoto(patch, photo, rng);
  if (photo.jpegQ > 0) pix = await jpegRoundTrip(pix, photo.jpegQ);
  return remeasured(opts, pix, toSource, d);
};

/** One mesh-warped variant: a jittered patch, warped along the face's mesh, detected and measured again. */
const warpOne: MakeVariant = async (opts, img, d, j, key) => {
  const rng = seededRandom(sampleSeed(opts.seed, `${key}/w${j}`));
  const kind = WARP_KINDS[Math.floor(rng() * WARP_KINDS.length)] ?? 'lipCornerPull';
  const strength = 0.4 + 0.6 * rng();
  const { patch, toSource } = cutPatch(img, d.box, drawPatchParams(rng));
  const mesh = new Float32Array(d.mesh.length);
  for (let i = 0; i < d.mesh.length / 3; i++) {
    const [x, y] = toPatch(toSource, d.mesh[i * 3] as number, d.mesh[i * 3 + 1] as number);
    mesh[i * 3] = x;
    mesh[i * 3 + 1] = y;
    mesh[i * 3 + 2] = d.mesh[i * 3 + 2] as number;
  }
  return remeasured(opts, warpFace(patch, mesh, { kind, strength }), toSource, d);
};

/** The face detected again in a variant's pixels, cropped and meshed there (null: not found where it should be). */
async function remeasured(
  opts: PseudoOptions,
  pix: RgbImage,
  toSource: readonly number[],
  d: FaceDetection,
): Promise<Sample | null> {
  const again = redetected(await opts.detector.detect(pix), toSource, d);
  return again ? { crop: alignFace(pix, again.mesh, opts.cropSize ?? 112), mesh: again.mesh } : null;
}

type Sample = { crop: AlignedCrop; mesh: Float32Array };
type MakeVariant = (
  opts: PseudoOptions,
  img: RgbImage,
  d: FaceDetection,
  j: number,
  key: string,
) => Promise<Sample | null>;

/** Variant kinds, in the order they are written: file tag, how many per face, how each is made. */
const VARIANTS: readonly (readonly [string, (o: PseudoOptions) => number, MakeVariant])[] = [
  ['a', (o) => o.augment, augmentOne],
  ['w', (o) => o.warps ?? 0, warpOne],
];
