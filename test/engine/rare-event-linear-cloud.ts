import type { SeededRandom } from '../../src/engine/rng';
import type { ParticleCloud } from '../../src/engine/rare-event/particle-cloud';

/**
 * The UniformBallCloud's chain, exactly in law, for a flat boundary {u·n > t}: the score of
 * u = R·g/‖g‖ depends on g only through g₁ = g·n and q = ‖g − g₁n‖, and a pCN move maps them to
 * g₁' = ρg₁ + sξ₁, q'² = (ρq + sζ)² + s²·χ²_{d−2} (ζ the noise along g's own orthogonal part).
 * So the state is (g₁, q, a, b) whatever d: the coverage of d = 150 528 in milliseconds.
 * Score: R·g₁/‖g‖ − t, positive beyond the boundary.
 */
export class FlatBoundaryCloud implements ParticleCloud {
  size: number;
  evaluations = 0;
  private state: Float64Array;
  private proposal: Float64Array | null = null;

  constructor(
    private readonly dimension: number,
    private readonly threshold: number,
    capacity: number,
    private readonly random: SeededRandom,
  ) {
    if (dimension < 3) throw new Error('the reduced chain needs d ≥ 3');
    this.size = capacity;
    this.state = new Float64Array(capacity * 4);
  }

  async initialise(): Promise<Float64Array> {
    for (let slot = 0; slot < this.size; slot++) {
      this.state.set([this.random.normal(), Math.sqrt(chiSquare(this.dimension - 1, this.random)), this.random.normal(), this.random.normal()], slot * 4);
    }
    this.evaluations += this.size;
    return Float64Array.from({ length: this.size }, (_, slot) => this.scoreOf(this.state, slot));
  }

  copy(from: number, to: number): void {
    this.state.copyWithin(to * 4, from * 4, from * 4 + 4);
  }

  async propose(slots: Int32Array, step: number): Promise<Float64Array> {
    const rho = Math.sqrt((1 - step) * (1 + step));
    const proposal = new Float64Array(slots.length * 4);
    slots.forEach((slot, row) => {
      const [g1, q, a, b] = this.state.subarray(slot * 4, slot * 4 + 4);
      const along = rho * q + step * this.random.normal();
      const rest = step * step * chiSquare(this.dimension - 2, this.random);
      proposal.set(
        [rho * g1 + step * this.random.normal(), Math.sqrt(along * along + rest), rho * a + step * this.random.normal(), rho * b + step * this.random.normal()],
        row * 4,
      );
    });
    this.proposal = proposal;
    this.evaluations += slots.length;
    return Float64Array.from({ length: slots.length }, (_, row) => this.scoreOf(proposal, row));
  }

  accept(slots: Int32Array, accepted: Uint8Array): void {
    const proposal = this.proposal!;
    slots.forEach((slot, row) => {
      if (accepted[row] === 1) this.state.set(proposal.subarray(row * 4, row * 4 + 4), slot * 4);
    });
    this.proposal = null;
  }

  keepOnly(slots: Int32Array): void {
    const old = this.state;
    this.state = new Float64Array(old.length);
    slots.forEach((slot, row) => this.state.set(old.subarray(slot * 4, slot * 4 + 4), row * 4));
    this.size = slots.length;
  }

  private scoreOf(states: Float64Array, row: number): number {
    const [g1, q, a, b] = states.subarray(row * 4, row * 4 + 4);
    const radius = Math.exp(-(a * a + b * b) / (2 * this.dimension));
    return (radius * g1) / Math.sqrt(g1 * g1 + q * q) - this.threshold;
  }
}

/** χ²_k = 2·Gamma(k/2) by Marsaglia–Tsang (k ≥ 2). */
function chiSquare(k: number, random: SeededRandom): number {
  const shape = k / 2;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return 2 * d * v;
  }
}
