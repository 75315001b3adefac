import { z } from 'zod';

/** ONNX Runtime execution providers (classifier and detector); `auto` takes the first that loads, CPU last. */
export const ortProviderSchema = z.enum(['cpu', 'cuda', 'tensorrt', 'auto']);
export type OrtProvider = z.infer<typeof ortProviderSchema>;
