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

export function checkLabel(label: number, classCount: number): void {
  if (!Number.isInteger(label) || label < 0 || label >= classCount) {
    throw new Error(`label ${label} is not a class index of a ${classCount}-class model`);
  }
}

/** The classes a margin gradient is taken against: each a class other than the label. */
export function checkMarginClasses(label: number, others: readonly number[], classCount: number): void {
  checkLabel(label, classCount);
  for (const other of others) {
    if (!Number.isInteger(other) || other < 0 || other >= classCount || other === label) {
      throw new Error(`class ${other} is not a class other than the label ${label} of a ${classCount}-class model`);
    }
  }
}

export function checkMaxBatch(maxBatch: number): void {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
}

/**
 * Classes of `count` images packed in `batch` (count·dimension values), `maxBatch` images per
 * call of `classify`, which gets its slice of `batch` and the number of images in it.
 */
export async function classifyInBatches(
  batch: Float32Array,
  count: number,
  dimension: number,
  maxBatch: number,
  classify: (images: Float32Array, rows: number) => Promise<Int32Array>,
): Promise<Int32Array> {
  checkBatch(batch, count, dimension);
  const classes = new Int32Array(count);
  for (let start = 0; start < count; start += maxBatch) {
    const rows = Math.min(maxBatch, count - start);
    classes.set(await classify(batch.subarray(start * dimension, (start + rows) * dimension), rows), start);
  }
  return classes;
}
