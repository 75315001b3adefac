import { z } from 'zod';
import { ortProviderSchema } from './provider.js';

export const detectSchema = z
  .object({
    backend: z
      .enum(['onnx', 'tfjs'])
      .default('onnx')
      .describe(
        'Face detector runtime for the same blazeface + facemesh (+ iris) models: onnx (ONNX Runtime, ' +
          'models/detect/, several times faster) or tfjs (@vladmandic/human on tfjs-wasm).',
      ),
    provider: ortProviderSchema
      .default('cpu')
      .describe(
        'ONNX Runtime execution provider of the onnx detector; auto takes the first that loads (CPU last).',
      ),
    range: z
      .enum(['short', 'full', 'auto'])
      .default('auto')
      .describe(
        'Which face detector finds faces. auto (default): MediaPipe full-range detector on the letterboxed ' +
          'frame, plus native-resolution tiles of detect.tileSide pixels on frames at least twice a tile ' +
          '(camera-resolution frames: set ingest.width/height to the camera size for small classroom faces), ' +
          'and the short-range detector when it finds no face (it misses faces in small low-resolution images ' +
          'such as thumbnails). ' +
          'full: the same, tiling any frame over 1.2 tiles. short: MediaPipe short-range BlazeFace on the ' +
          'whole frame squashed to 256x256 (a face at webcam distance; misses faces under ~8% of the frame). ' +
          'Measured on the labelled frames at native size (bench/detect-recall.ts): auto finds 98% of faces ' +
          '>= 80 px and 93% of 40-80 px against 93% and 71% for short, at 0.8-1.0x its cost on a 640x480 webcam frame.',
      ),
    tileSide: z
      .number()
      .int()
      .min(0)
      .max(4096)
      .default(384)
      .describe(
        'Side in frame pixels of the square tiles the full-range detector also looks at on large frames ' +
          '(see range; 0: the whole frame only). Faces down to ~20 px are found in 384 px tiles.',
      ),
    every: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(3)
      .describe('Run the face detector on every k-th frame; the tracker follows faces in between.'),
    scanEvery: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe(
        "Every k-th full detection of a stream also runs face-api's SSD-MobileNetV1 (models/detect/, trained on " +
          'WIDER FACE; onnx backend) and adds the faces it finds that the detector did not, each confirmed by the ' +
          'mesh: the small, far faces of a room camera (4 for a room camera; 0: off, the default). While scans ' +
          'find nothing the interval doubles, up to 4k. Measured on the labelled frames (bench/detect-recall.ts): ' +
          'faces of 20-40 px 4 of 14 found instead of 1, 40-80 px 14 of 14 instead of 13, no more false ' +
          'positives; but one SSD pass costs ~44 ms on one core (docs/performance.md), and at 4 the peer bench ' +
          'lost 10-25% when a pass cost ~55 ms (docs/detection.md), so streams do not scan by default.',
      ),
    scanStills: z
      .boolean()
      .default(true)
      .describe(
        'Scan every still of `aupipe analyze` for the faces the detector misses (as detect.scanEvery does for ' +
          'streams; one SSD pass per image).',
      ),
    scanMinScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Minimum SSD confidence for a face the scan adds (detect.scanEvery).'),
    scanTileSide: z
      .number()
      .int()
      .min(0)
      .max(4096)
      .default(0)
      .describe(
        'Side in frame pixels of native-resolution tiles the scan also looks at on frames at least twice a tile ' +
          '(0: the letterboxed frame only; each tile costs one more SSD pass).',
      ),
    workers: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(2)
      .describe(
        'Detector worker threads shared by all streams (0: detect on the main thread). The detector and the mesh then run beside the rest of the pipeline on the main thread: measured on 2 cores (docs/performance.md), 2 workers analyse a 1-face file at 1.1-1.2x the frames/s of 0 and keep 8 live 10 fps streams at p95 ~0.3 s where 0 falls behind (1.7 s), for ~190 MiB more memory; 0 is lowest-latency for a single live stream.',
      ),
    minScore: z.number().min(0).max(1).default(0.5).describe('Minimum detector confidence for a face.'),
    minMeshScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        'Minimum face-mesh confidence that confirms a new face the detector scored at least confidentScore ' +
          '(any other face needs minScore from the detector and the mesh; followed faces need minScore). ' +
          'The mesh scores small, blurred or downturned faces low even where the detector is sure: 0.01 finds ' +
          'them (0.5 = the mesh gate as strict as the detector).',
      ),
    confidentScore: z
      .number()
      .min(0)
      .max(1)
      .default(0.7)
      .describe('Detector confidence above which a new face needs only minMeshScore from the mesh.'),
    minFaceSize: z.number().int().min(8).max(2000).default(24).describe('Minimum face box side in pixels.'),
    maxFaces: z.number().int().min(1).max(100).default(20).describe('Most faces per frame.'),
    cropSize: z.number().int().min(48).max(512).default(112).describe('Aligned crop side in pixels.'),
    trackGraceFrames: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(15)
      .describe(
        'Frames a track survives without a matching face before it ends (a face the detector misses once ' +
          'stays unseen for `every` frames, so keep this a few times `every`).',
      ),
    minIou: z.number().min(0).max(1).default(0.3).describe('Minimum IoU to match a detection to a track.'),
    iris: z
      .boolean()
      .default(false)
      .describe(
        'Refine the eyes with the iris model: 478 mesh points instead of 468, at about 7 ms more per face ' +
          'and frame on the onnx runtime (18 ms on tfjs).',
      ),
    rotation: z
      .boolean()
      .default(true)
      .describe(
        'Correct face roll before the mesh model (better landmarks on tilted heads, a few ms per face).',
      ),
    cutThreshold: z
      .number()
      .min(0)
      .max(255)
      .default(25)
      .describe(
        'Mean absolute pixel difference (0-255) between consecutive frames that marks a cut to a new shot: ' +
          'all tracks end and the detector runs at once (0 disables).',
      ),
  })
  .strict();
