/**
 * What adaptive multilevel splitting needs from a population of particles drawn from a base law
 * μ: fresh draws, copies, and Markov moves that leave μ restricted to {score > level} invariant
 * (a proposal reversible for μ, accepted when its score stays above the level).
 */
export interface ParticleCloud {
  /** Live particles: slots 0 … size − 1. */
  readonly size: number;
  /** Fills every slot with a fresh draw from μ; returns their scores. */
  initialise(): Promise<Float64Array>;
  /** Slot `to` becomes a copy of slot `from`. */
  copy(from: number, to: number): void;
  /**
   * A proposal for each slot in `slots`, reversible for μ, with step `step` in (0, 1]
   * (1: an independent draw); returns the proposals' scores. Each is kept until `accept`.
   */
  propose(slots: Int32Array, step: number): Promise<Float64Array>;
  /** Moves slots[i] to its proposal where accepted[i] is 1. */
  accept(slots: Int32Array, accepted: Uint8Array): void;
  /** Keeps only these slots, renumbered 0 … slots.length − 1 in the given order. */
  keepOnly(slots: Int32Array): void;
}
