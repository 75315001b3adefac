/** The ONNX Runtime adapter's public face: sessions on a chosen execution provider, shared by detect and classify. */
export {
  type LoadedProvider,
  type OpenOptions,
  OrtOpenError,
  openOrtSession,
  ort,
  type Provider,
} from './ort.js';
