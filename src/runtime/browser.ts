/**
 * The runtime's browser face: the inference interface alone (pure). Its onnxruntime-web implementation is the
 * browser client's adapter (`src/client/ort-web.ts`); `index.ts` is the server's face, on onnxruntime-node.
 */
export {
  type Inference,
  type OrtSessionLike,
  outputByDims,
  runSingle,
  sessionInference,
  type TensorData,
  tensor,
} from './inference.js';
