/**
 * What the server tells the student page (GET /client/settings.json): the validated config subset the
 * in-browser pipeline runs with, the emotion rules, and where the models and ORT-web files are. The server
 * builds it from its own config (validated once at start), so the page needs no config of its own.
 */
import type { AttentionConfig } from '../attention/browser.js';
import type { BaselineOptions } from '../classify/browser.js';
import type { DetectStepConfig, MeshDetectorConfig } from '../detect/browser.js';
import type { EmotionConfig } from '../emotion/browser.js';

export type WebProvider = 'wasm' | 'webgpu';

/** A crop net's files: its card (model.json) and graph. */
export interface CropNetUrls {
  readonly card: string;
  readonly onnx: string;
}

export interface ClientSettings {
  /** Stream id the server gave this page; every message carries it. */
  readonly streamId: string;
  /** Room the stream joins (empty: none). */
  readonly room: string;
  readonly detect: DetectStepConfig & MeshDetectorConfig & { readonly iris: boolean };
  /** Per-person neutral for the mesh estimator (null: every face against the canonical neutral). */
  readonly baseline: BaselineOptions | null;
  readonly cropModelsOnDetections: boolean;
  readonly emotion: EmotionConfig;
  /** The attention stage (readings in AU samples, attention events); null when `attention.enabled` is off. */
  readonly attention: AttentionConfig | null;
  /** The emotion rule file's content (parsed with `parseRules`). */
  readonly rules: unknown;
  /** Estimator name AU samples carry (the server's `classify.estimator`). */
  readonly model: string;
  readonly fps: number;
  readonly auRateHz: number;
  /** AU samples per second per face that carry their attention reading (`browser.attentionRateHz`). */
  readonly attentionRateHz: number;
  readonly threads: number;
  readonly providers: readonly WebProvider[];
  readonly models: {
    readonly blaze: string;
    readonly mesh: string;
    readonly iris?: string;
    readonly landmarks?: CropNetUrls;
    readonly expressions?: CropNetUrls;
    /** The mesh student (`classify.studentModel`) and its weight (`classify.studentWeight`). */
    readonly student?: CropNetUrls & { readonly weight: number };
  };
  /** URL prefix of ORT-web's .wasm/.mjs files. */
  readonly ortPath: string;
  /** WebSocket path of the ingest endpoint (the page adds stream and token). */
  readonly ingestPath: string;
}
