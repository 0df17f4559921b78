/**
 * The splitting score of a perturbed image from its logits: positive exactly when the
 * prediction leaves the label (PROTOCOL.md "Labels and predictions").
 *  - one logit z (sigmoid): class 1 iff z > 0, so the score is −z for label 1 and z for label 0;
 *  - k logits: max_{j≠label} z_j − z_label.
 */
export function flipScores(logits: Float32Array, rows: number, logitCount: number, label: number): Float64Array {
  if (logits.length !== rows * logitCount) throw new Error(`${logits.length} logits are not ${rows} rows of ${logitCount}`);
  const scores = new Float64Array(rows);
  if (logitCount === 1) {
    for (let row = 0; row < rows; row++) scores[row] = label === 1 ? -logits[row] : logits[row];
    return scores;
  }
  if (!Number.isInteger(label) || label < 0 || label >= logitCount) throw new Error(`label ${label} is not one of ${logitCount} classes`);
  for (let row = 0; row < rows; row++) {
    const offset = row * logitCount;
    let other = -Infinity;
    for (let k = 0; k < logitCount; k++) if (k !== label && logits[offset + k] > other) other = logits[offset + k];
    scores[row] = other - logits[offset + label];
  }
  return scores;
}
