/**
 * Particles uniform in the unit d-ball, as standard normal vectors (g, a, b) in R^{d+2}:
 * u = R·g/‖g‖ with R = exp(−(a² + b²)/(2d)), i.e. R^d = U uniform on (0, 1) since (a² + b²)/2
 * is Exp(1) — PROTOCOL.md's u = g/‖g‖·U^{1/d}. Proposals are preconditioned Crank–Nicolson moves
 * (g, a, b) → ρ·(g, a, b) + s·ξ with ρ = √(1 − s²), ξ standard normal: reversible for the
 * standard normal law, hence for the uniform ball after the map, in any dimension.
 */
import type { SeededRandom } from '../rng';
import type { ParticleCloud } from './particle-cloud';

/** Scores of `count` directions (count rows of d values in the unit ball), one per row. */
export type DirectionScorer = (directions: Float32Array, count: number) => Promise<Float64Array>;

export class UniformBallCloud implements ParticleCloud {
  size: number;
  private readonly gaussian: Float32Array;
  /** Per slot: a, b, ‖g‖². */
  private readonly extra: Float64Array;
  private proposal: { slots: Int32Array; gaussian: Float32Array; extra: Float64Array } | null = null;

  constructor(
    private readonly dimension: number,
    capacity: number,
    private readonly random: SeededRandom,
    private readonly score: DirectionScorer,
  ) {
    if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`dimension must be a positive integer, got ${dimension}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, got ${capacity}`);
    this.size = capacity;
    this.gaussian = new Float32Array(capacity * dimension);
    this.extra = new Float64Array(capacity * 3);
  }

  async initialise(): Promise<Float64Array> {
    const d = this.dimension;
    for (let slot = 0; slot < this.size; slot++) {
      let squares = 0;
      for (let i = 0; i < d; i++) {
        const value = Math.fround(this.random.normal());
        this.gaussian[slot * d + i] = value;
        squares += value * value;
      }
      this.extra.set([this.random.normal(), this.random.normal(), squares], slot * 3);
    }
    const directions = new Float32Array(this.size * d);
    for (let slot = 0; slot < this.size; slot++) {
      this.writeDirection(this.gaussian.subarray(slot * d, (slot + 1) * d), this.extra.subarray(slot * 3, slot * 3 + 3), directions, slot);
    }
    return this.score(directions, this.size);
  }

  copy(from: number, to: number): void {
    const d = this.dimension;
    this.gaussian.copyWithin(to * d, from * d, (from + 1) * d);
    this.extra.copyWithin(to * 3, from * 3, from * 3 + 3);
  }

  async propose(slots: Int32Array, step: number): Promise<Float64Array> {
    if (!(step > 0 && step <= 1)) throw new Error(`step must lie in (0, 1], got ${step}`);
    const d = this.dimension;
    const rho = Math.sqrt((1 - step) * (1 + step));
    const gaussian = new Float32Array(slots.length * d);
    const extra = new Float64Array(slots.length * 3);
    const directions = new Float32Array(slots.length * d);
    for (let row = 0; row < slots.length; row++) {
      const source = slots[row] * d;
      let squares = 0;
      for (let i = 0; i < d; i++) {
        const value = Math.fround(rho * this.gaussian[source + i] + step * this.random.normal());
        gaussian[row * d + i] = value;
        squares += value * value;
      }
      const a = rho * this.extra[slots[row] * 3] + step * this.random.normal();
      const b = rho * this.extra[slots[row] * 3 + 1] + step * this.random.normal();
      extra.set([a, b, squares], row * 3);
      this.writeDirection(gaussian.subarray(row * d, (row + 1) * d), extra.subarray(row * 3, row * 3 + 3), directions, row);
    }
    this.proposal = { slots, gaussian, extra };
    return this.score(directions, slots.length);
  }

  accept(slots: Int32Array, accepted: Uint8Array): void {
    const proposal = this.proposal;
    if (proposal === null || proposal.slots !== slots) throw new Error('accept must follow propose with the same slots');
    const d = this.dimension;
    for (let row = 0; row < slots.length; row++) {
      if (accepted[row] !== 1) continue;
      this.gaussian.set(proposal.gaussian.subarray(row * d, (row + 1) * d), slots[row] * d);
      this.extra.set(proposal.extra.subarray(row * 3, row * 3 + 3), slots[row] * 3);
    }
    this.proposal = null;
  }

  keepOnly(slots: Int32Array): void {
    const d = this.dimension;
    const gaussian = Float32Array.from(this.gaussian.subarray(0, this.size * d));
    const extra = Float64Array.from(this.extra.subarray(0, this.size * 3));
    slots.forEach((slot, row) => {
      this.gaussian.set(gaussian.subarray(slot * d, (slot + 1) * d), row * d);
      this.extra.set(extra.subarray(slot * 3, slot * 3 + 3), row * 3);
    });
    this.size = slots.length;
    this.proposal = null;
  }

  /** u = R·g/‖g‖ into row `row` of `directions`. */
  private writeDirection(gaussian: Float32Array, extra: Float64Array, directions: Float32Array, row: number): void {
    const d = this.dimension;
    const [a, b, squares] = extra;
    const radius = Math.exp(-(a * a + b * b) / (2 * d));
    const factor = radius / Math.sqrt(squares);
    for (let i = 0; i < d; i++) directions[row * d + i] = gaussian[i] * factor;
  }
}
