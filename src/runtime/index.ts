/** The ONNX Runtime adapter's public face: sessions on a chosen execution provider, shared by detect and classify. */

export { type Inference, outputByDims, runSingle, type TensorData, tensor } from './inference.js';
export {
  type LoadedProvider,
  nodeInference,
  type OpenOptions,
  OrtOpenError,
  openOrtInference,
  openOrtSession,
  ort,
  type Provider,
} from './ort.js';
