/** The message schemas' browser face: what a client may send, and the image-data check (pure). */
export {
  checkIngestMessage,
  INGEST_TYPES,
  type IngestCheck,
  type IngestMessage,
  imageDataProblem,
  ingestMessageSchema,
} from './ingest.js';
