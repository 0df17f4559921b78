/** The image a model takes: its input shape without the batch axis, checked for what the worker can feed. */
export interface ImageGeometry {
  height: number;
  width: number;
  /** 1 (gray) or 3 (RGB). */
  channels: number;
  /** The model's own input shape without the batch axis: [h, w, c], or [h, w] for gray models without a channel axis. */
  shape: number[];
}

const describe = (shape: readonly (number | null)[]): string => `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;

/** Checks a model input shape including its batch axis, e.g. [null, 28, 28, 1]. */
export function imageGeometry(shapeWithBatch: readonly (number | null)[]): ImageGeometry {
  const dims = shapeWithBatch.slice(1);
  if (dims.length !== 2 && dims.length !== 3) {
    throw new Error(`model input shape ${describe(shapeWithBatch)} is not an image (expected [batch, height, width, channels])`);
  }
  if (dims.some((d) => d === null || !Number.isInteger(d) || d < 1)) {
    throw new Error(`model input shape ${describe(shapeWithBatch)} has unknown sizes: the model must declare its input height, width and channels`);
  }
  const known = dims as number[];
  const [height, width] = known;
  const channels = known.length === 3 ? known[2] : 1;
  if (channels !== 1 && channels !== 3) {
    if (known.length === 3 && (known[0] === 1 || known[0] === 3)) {
      throw new Error(`model input shape ${describe(shapeWithBatch)} looks channels-first (NCHW): only channels-last (NHWC) models are supported`);
    }
    throw new Error(`model input has ${channels} channels: only 1 (gray) or 3 (RGB) are supported`);
  }
  return { height, width, channels, shape: known };
}
