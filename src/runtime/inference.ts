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
