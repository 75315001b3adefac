/** Public face of the message schemas. */
export { MESSAGE_EXAMPLES } from './examples.js';
export {
  checkIngestMessage,
  INGEST_TYPES,
  type IngestCheck,
  type IngestMessage,
  imageDataProblem,
  ingestMessageSchema,
} from './ingest.js';
export { jsonSchemaFiles, jsonSchemas, MESSAGE_FILE, SCHEMA_ID_BASE } from './json-schema.js';
export {
  attentionEventSchema,
  attentionReadingSchema,
  auSampleSchema,
  auSummarySchema,
  emotionEventSchema,
  engagementSchema,
  MESSAGE_SCHEMAS,
  type MessageType,
  messageSchema,
  parseMessage,
  roomAggregateSchema,
  roomMomentSchema,
  streamStatusSchema,
  trackEventSchema,
} from './messages.js';
