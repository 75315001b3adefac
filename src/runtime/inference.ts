/**
 * The one inference interface every model runs through, on the server (onnxruntime-node, `ort.ts`) and in the
 * browser (onnxruntime-web, `ort-web.ts`). Pure: plain typed arrays in and out, no runtime's tensor class, so
 * the detector and the crop networks built on it run unchanged in Node and in a browser bundle.
 */

/** A dense float32 tensor: row-major data and its dims. */
export interface TensorData {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** An opened model: named float32 inputs in, named float32 outputs out. */
export interface Inference {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Static output shapes where the graph declares them (symbolic dims as strings), in `outputNames` order. */
  readonly outputShapes: readonly (readonly (number | string)[] | undefined)[];
  run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>;
  /** Releases the model; runs after close reject. */
  close(): Promise<void>;
}

/** The tensor `t` of `dims` elements, checked: data length must be the product of the dims. */
export function tensor(data: Float32Array, dims: readonly number[]): TensorData {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n)
    throw new RangeError(`tensor data holds ${data.length} values, dims [${dims}] need ${n}`);
  return { data, dims };
}

/** The output whose dims are exactly `dims` (output names differ between converter versions; shapes do not). */
export function outputByDims(
  out: Readonly<Record<string, TensorData>>,
  dims: readonly number[],
): Float32Array | undefined {
  for (const t of Object.values(out)) {
    if (t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i])) return t.data;
  }
  return undefined;
}

/** Runs `session` on one input tensor fed to its first input. */
export function runSingle(
  session: Inference,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, TensorData>> {
  const name = session.inputNames[0];
  if (name === undefined) return Promise.reject(new RangeError('model has no input'));
  return session.run({ [name]: tensor(data, dims) });
}

/** What `sessionInference` needs of an ONNX Runtime session: the same shape in onnxruntime-node and -web. */
export interface OrtSessionLike<T> {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly outputMetadata: readonly unknown[];
  run(
    feeds: Record<string, T>,
  ): Promise<Record<string, { readonly data: unknown; readonly dims: readonly number[] }>>;
  release(): Promise<void>;
}

/**
 * Wraps an ONNX Runtime session (node or web: `makeTensor` is that runtime's float32 Tensor constructor) in the
 * inference interface.
 */
export function sessionInference<T>(
  session: OrtSessionLike<T>,
  makeTensor: (data: Float32Array, dims: readonly number[]) => T,
): Inference {
  const outputShapes = session.outputNames.map((_, i) => {
    const m = session.outputMetadata[i] as
      | { isTensor?: boolean; shape?: readonly (number | string)[] }
      | undefined;
    return m?.isTensor ? m.shape : undefined;
  });
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    outputShapes,
    async run(feeds) {
      const input: Record<string, T> = {};
      for (const [k, t] of Object.entries(feeds)) input[k] = makeTensor(t.data, t.dims);
      const res = await session.run(input);
      const out: Record<string, TensorData> = {};
      for (const [k, v] of Object.entries(res)) out[k] = { data: v.data as Float32Array, dims: v.dims };
      return out;
    },
    close: () => session.release(),
  };
}
