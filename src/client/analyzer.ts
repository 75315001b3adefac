/**
 * The in-browser pipeline, one step per frame: detect/track (the server's detector code over the inference
 * interface) → mesh AU estimator (with its crop nets) → attention readings and events → emotion engine. Built from the settings the server
 * hands out and a model opener (`OpenModel`: ORT-web in the page, or any `Inference` in tests), so the same
 * code that runs in the page is what the parity test compares with the server's pipeline.
 */
import {
  AttentionEventEngine,
  AttentionTracks,
  attentionOptions,
  withAttention,
} from '../attention/browser.js';
import {
  type AuEstimator,
  boundedAus,
  CropNet,
  EXPRESSIONS_KIND,
  ExpressionNet,
  LANDMARKS68_KIND,
  LandmarkNet,
  MeshAuEstimator,
  StudentNet,
} from '../classify/browser.js';
import { createMeshDetector, DetectStep, type FaceDetector } from '../detect/browser.js';
import { EmotionEngine, parseRules } from '../emotion/browser.js';
import type { Inference } from '../runtime/browser.js';
import { type AuSample, type FrameAus, type Message, SCHEMA_VERSION } from '../types.js';
import type { ClientSettings, CropNetUrls } from './settings.js';

/** Opens the ONNX model at `url`. */
export type OpenModel = (url: string) => Promise<Inference>;
/** Fetches and parses the JSON at `url`. */
export type FetchJson = (url: string) => Promise<unknown>;

/** One frame the page grabbed: RGB24 pixels it owns, and its time. */
export interface ClientFrame {
  readonly seq: number;
  readonly ptsMs: number;
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** Milliseconds each stage took on one frame. */
export interface StageMs {
  readonly detect: number;
  readonly au: number;
  readonly emotion: number;
  /** Attention readings and events. */
  readonly attention: number;
}

export interface FrameResult {
  readonly faces: number;
  /** Every message of the frame (samples of every face, events), before the sender's AU rate. */
  readonly messages: readonly Message[];
  readonly samples: readonly AuSample[];
  readonly ms: StageMs;
}

export interface Analyzer {
  analyze(frame: ClientFrame): Promise<FrameResult>;
  /** Ends every open track and event (page closing). */
  finish(): Message[];
  close(): Promise<void>;
}

async function openCropNet(
  urls: CropNetUrls,
  kind: typeof LANDMARKS68_KIND,
  open: OpenModel,
  fetchJson: FetchJson,
): Promise<CropNet> {
  const [card, session] = await Promise.all([fetchJson(urls.card), open(urls.onnx)]);
  return CropNet.create(urls.onnx, card, session, kind);
}

export async function createAnalyzer(
  s: ClientSettings,
  open: OpenModel,
  fetchJson: FetchJson,
  now: () => number = () => performance.now(),
): Promise<Analyzer> {
  const rules = parseRules(s.rules, 'server rules');
  const st = s.models.student;
  const [blaze, mesh, iris, lips, expr, student] = await Promise.all([
    open(s.models.blaze),
    open(s.models.mesh),
    s.detect.iris && s.models.iris ? open(s.models.iris) : undefined,
    s.models.landmarks ? openCropNet(s.models.landmarks, LANDMARKS68_KIND, open, fetchJson) : undefined,
    s.models.expressions ? openCropNet(s.models.expressions, EXPRESSIONS_KIND, open, fetchJson) : undefined,
    st
      ? Promise.all([fetchJson(st.card), open(st.onnx)]).then(([c, i]) => StudentNet.create(st.onnx, c, i))
      : undefined,
  ]);
  const detector: FaceDetector = createMeshDetector({ blaze, mesh, iris }, s.detect);
  const estimator: AuEstimator = new MeshAuEstimator({
    ...(lips ? { landmarks: new LandmarkNet(lips) } : {}),
    ...(expr ? { expressions: new ExpressionNet(expr) } : {}),
    ...(student && st ? { student, studentWeight: st.weight } : {}),
    cropNetsOnDetections: s.cropModelsOnDetections,
    ...(s.baseline ? { baseline: s.baseline } : {}),
  });
  const step = new DetectStep(detector, s.detect);
  const engine = new EmotionEngine(s.emotion, rules);
  const att = s.attention;
  const tracks = att ? new AttentionTracks(attentionOptions(att)) : null;
  const attEvents = att ? new AttentionEventEngine(att) : null;

  return {
    async analyze(frame) {
      const t0 = now();
      const faces = await step.step({ ...frame, streamId: s.streamId, decodedAt: Date.now() });
      const t1 = now();
      const aus = faces.faces.length ? await estimator.estimate(faces.faces) : [];
      const plain: AuSample[] = faces.faces.map((f, i) => ({
        v: SCHEMA_VERSION,
        type: 'au',
        streamId: f.streamId,
        trackId: f.trackId,
        seq: f.seq,
        ptsMs: f.ptsMs,
        au: boundedAus(aus[i]!), // bounded like the server's classify stage
        model: s.model,
        decodedAt: f.decodedAt,
      }));
      for (const t of faces.tracks) if (t.phase === 'end') estimator.endTrack?.(t.streamId, t.trackId);
      const t2 = now();
      // the attention reading of each face, from the same mesh fit the estimator made (as the server's stage)
      const samples = tracks
        ? plain.map((x, i) => withAttention(tracks, x, faces.faces[i]!, faces.faces.length))
        : plain;
      if (tracks) for (const t of faces.tracks) if (t.phase === 'end') tracks.end(t.streamId, t.trackId);
      // crops and meshes stay here: the emotion and attention engines read samples and track events only
      const withAus: FrameAus = { ...faces, samples };
      const attention = attEvents?.onFrame(withAus) ?? [];
      const t3 = now();
      const messages = [...engine.onFrame(withAus), ...attention];
      const t4 = now();
      return {
        faces: faces.faces.length,
        messages,
        samples,
        ms: { detect: t1 - t0, au: t2 - t1, attention: t3 - t2, emotion: t4 - t3 },
      };
    },
    finish() {
      const last = step.finish();
      const end = last ? { ...last, samples: [] } : null;
      return [...(end ? engine.onFrame(end) : []), ...engine.flush(), ...(attEvents?.flush() ?? [])];
    },
    async close() {
      await detector.close();
      await estimator.close();
    },
  };
}
