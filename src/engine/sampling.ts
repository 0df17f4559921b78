import { SeededRandom, type RandomState } from './rng';

/**
 * The random perturbation directions of a run (PROTOCOL.md, "Random perturbations" step 1),
 * drawn once and shared by every image. `l2`, `l1`, `linf` are the norms of the float32 rows, so
 * scaled norms describe exactly what the classifier sees.
 *
 * A set is either resident (every row in memory) or regenerated: only the generator's state at
 * each chunk start is kept, and `rows` draws the asked rows again. Both give the same bits.
 */
export interface RandomSet {
  readonly count: number;
  readonly dimension: number;
  readonly l2: Float64Array;
  readonly l1: Float64Array;
  readonly linf: Float64Array;
  /** True when every row is held in memory, false when `rows` regenerates them. */
  readonly resident: boolean;
  /**
   * Rows start … start+count−1, row-major (count·dimension values); never mutate it.
   * Resident: a view of the one array, the same object for the same range, so a classifier can
   * cache it by identity. Not resident: a new array object each call, whose values hold until the
   * call after the next (a scratch file's rows are read into two buffers in turn), so use it and
   * let go of it.
   */
  rows(start: number, count: number): Float32Array;
}

/** A set held in memory, its rows also as one array. */
export interface ResidentRandomSet extends RandomSet {
  readonly resident: true;
  /** count·dimension values, row-major. */
  readonly directions: Float32Array;
}

export interface RandomSetMemory {
  /** Most bytes of rows kept in memory; a larger set is regenerated chunk by chunk. */
  budgetBytes: number;
  /** Rows per regenerated chunk: the generator's state is saved at every chunk start. */
  chunkRows: number;
}

/**
 * `count` vectors uniform in the unit `dimension`-ball: u = g/‖g‖₂ · U^{1/d}, g ~ N(0, I_d),
 * U ~ Uniform(0,1). Per vector the generator draws d normals, then U, so a seed fixes the set.
 * The whole set is held in memory (count·dimension·4 bytes).
 */
export function unitBallSamples(count: number, dimension: number, seed: number): ResidentRandomSet {
  checkShape(count, dimension);
  return new InMemorySet(count, dimension, seed);
}

/**
 * The same vectors as `unitBallSamples`, held in memory when count·dimension·4 bytes fit
 * `memory.budgetBytes`, else regenerated on demand (memory: a chunk's rows and 3 norms per row).
 */
export function unitBallSamplesWithin(count: number, dimension: number, seed: number, memory: RandomSetMemory, onChunkDrawn?: ChunkSink): RandomSet {
  checkShape(count, dimension);
  if (!(memory.budgetBytes >= 0) || !Number.isFinite(memory.budgetBytes)) {
    throw new Error(`random set budget must be a non-negative number of bytes, got ${memory.budgetBytes}`);
  }
  if (!Number.isInteger(memory.chunkRows) || memory.chunkRows < 1) {
    throw new Error(`chunkRows must be a positive integer, got ${memory.chunkRows}`);
  }
  if (count * dimension * 4 <= memory.budgetBytes) return new InMemorySet(count, dimension, seed);
  return new RegeneratedSet(count, dimension, seed, memory.chunkRows, onChunkDrawn);
}

/**
 * Given each chunk of a regenerated set as the norms pass draws it (rows start … start+count−1;
 * the array is reused for the next chunk), so a caller can keep the rows elsewhere (a scratch
 * file) and never draw them again.
 */
export type ChunkSink = (start: number, count: number, rows: Float32Array) => void;

function checkShape(count: number, dimension: number): void {
  if (!Number.isInteger(count) || count < 1) throw new Error(`sample count must be a positive integer, got ${count}`);
  if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`dimension must be a positive integer, got ${dimension}`);
}

/** The one definition of a row: both kinds of set draw through it, so their bits agree. */
class RowDrawer {
  private readonly gaussian: Float64Array;

  constructor(private readonly dimension: number) {
    this.gaussian = new Float64Array(dimension);
  }

  /** The next row from `random` into `row`. */
  draw(random: SeededRandom, row: Float32Array): void {
    const { dimension, gaussian } = this;
    random.fillNormals(gaussian);
    let squares = 0;
    for (let i = 0; i < dimension; i++) squares += gaussian[i] * gaussian[i];
    const radius = Math.pow(random.next(), 1 / dimension);
    const factor = radius / Math.sqrt(squares);
    for (let i = 0; i < dimension; i++) row[i] = Math.fround(gaussian[i] * factor);
  }

  /** Advances `random` past one row without building it. */
  skip(random: SeededRandom): void {
    random.fillNormals(this.gaussian);
    random.next();
  }
}

class RowNorms {
  readonly l2: Float64Array;
  readonly l1: Float64Array;
  readonly linf: Float64Array;

  constructor(count: number) {
    this.l2 = new Float64Array(count);
    this.l1 = new Float64Array(count);
    this.linf = new Float64Array(count);
  }

  record(j: number, row: Float32Array): void {
    let squares = 0;
    let absolute = 0;
    let largest = 0;
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      const magnitude = Math.abs(value);
      squares += value * value;
      absolute += magnitude;
      if (magnitude > largest) largest = magnitude;
    }
    this.l2[j] = Math.sqrt(squares);
    this.l1[j] = absolute;
    this.linf[j] = largest;
  }
}

class InMemorySet implements ResidentRandomSet {
  readonly resident = true;
  readonly directions: Float32Array;
  readonly l2: Float64Array;
  readonly l1: Float64Array;
  readonly linf: Float64Array;
  private readonly views = new Map<string, Float32Array>();

  constructor(
    readonly count: number,
    readonly dimension: number,
    seed: number,
  ) {
    const random = new SeededRandom(seed);
    const drawer = new RowDrawer(dimension);
    const norms = new RowNorms(count);
    this.directions = new Float32Array(count * dimension);
    for (let j = 0; j < count; j++) {
      const row = this.directions.subarray(j * dimension, (j + 1) * dimension);
      drawer.draw(random, row);
      norms.record(j, row);
    }
    ({ l2: this.l2, l1: this.l1, linf: this.linf } = norms);
  }

  rows(start: number, count: number): Float32Array {
    checkRange(this, start, count);
    const key = `${start}+${count}`;
    let view = this.views.get(key);
    if (!view) {
      view = this.directions.subarray(start * this.dimension, (start + count) * this.dimension);
      this.views.set(key, view);
    }
    return view;
  }
}

class RegeneratedSet implements RandomSet {
  readonly resident = false;
  readonly l2: Float64Array;
  readonly l1: Float64Array;
  readonly linf: Float64Array;
  /** The generator's state before row k·chunkRows. */
  private readonly chunkStarts: RandomState[] = [];
  private readonly drawer: RowDrawer;
  /** Where the last `rows` call stopped, so that reading on from there skips nothing. */
  private cursor: { row: number; state: RandomState } | null = null;

  constructor(
    readonly count: number,
    readonly dimension: number,
    seed: number,
    private readonly chunkRows: number,
    onChunkDrawn?: ChunkSink,
  ) {
    const random = new SeededRandom(seed);
    this.drawer = new RowDrawer(dimension);
    const norms = new RowNorms(count);
    // Without a sink one row at a time; with one, a chunk's rows (what `rows` returns anyway).
    const chunk = new Float32Array((onChunkDrawn ? Math.min(chunkRows, count) : 1) * dimension);
    for (let start = 0; start < count; start += chunkRows) {
      this.chunkStarts.push(random.state());
      const rows = Math.min(chunkRows, count - start);
      for (let j = start; j < start + rows; j++) {
        const row = onChunkDrawn ? chunk.subarray((j - start) * dimension, (j - start + 1) * dimension) : chunk;
        this.drawer.draw(random, row);
        norms.record(j, row);
      }
      onChunkDrawn?.(start, rows, chunk.subarray(0, rows * dimension));
    }
    ({ l2: this.l2, l1: this.l1, linf: this.linf } = norms);
  }

  rows(start: number, count: number): Float32Array {
    checkRange(this, start, count);
    const chunk = Math.floor(start / this.chunkRows);
    let row = chunk * this.chunkRows;
    let state = this.chunkStarts[chunk];
    if (this.cursor && this.cursor.row >= row && this.cursor.row <= start) ({ row, state } = this.cursor);
    const random = SeededRandom.fromState(state);
    for (; row < start; row++) this.drawer.skip(random);
    const d = this.dimension;
    const out = new Float32Array(count * d);
    for (let j = 0; j < count; j++) this.drawer.draw(random, out.subarray(j * d, (j + 1) * d));
    this.cursor = { row: start + count, state: random.state() };
    return out;
  }
}

function checkRange(set: RandomSet, start: number, count: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > set.count) {
    throw new Error(`rows ${start}…${start + count - 1} are outside the random set's ${set.count} rows`);
  }
}
