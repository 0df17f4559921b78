/** The argument checks every Classifier implementation makes, with the same one-line errors. */

export function checkBatch(batch: Float32Array, count: number, dimension: number): void {
  if (!Number.isInteger(count) || count < 0 || batch.length !== count * dimension) {
    throw new Error(`predict: ${batch.length} values are not ${count} images of ${dimension}`);
  }
}

export function checkImage(x: Float32Array, dimension: number): void {
  if (x.length !== dimension) throw new Error(`image has ${x.length} values, the model expects ${dimension}`);
}

export function checkPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, count: number, dimension: number): void {
  checkImage(x, dimension);
  if (directionCount !== 1 && directionCount !== count) {
    throw new Error(`predictPerturbed: ${directionCount} directions for ${count} scales (expected 1 or ${count})`);
  }
  if (directions.length !== directionCount * dimension) {
    throw new Error(`predictPerturbed: ${directions.length} direction values are not ${directionCount} rows of ${dimension}`);
  }
}

export function checkMaxBatch(maxBatch: number): void {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
}
