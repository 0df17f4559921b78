/**
 * One image stored as a record of an array file (IDX, CIFAR binary, NumPy), read from where the
 * host located it (ArrayRecordSource) into a Raster in [0, 1]. The worker needs no knowledge of
 * the file formats: only of plain, gzip and raw-deflate byte streams, and of HDF5 datasets (read by
 * hyperslab, src/worker/hdf5/record-slice.ts).
 *
 * Compressed streams cannot be read at an offset, so each is read forwards by a cursor kept between
 * records: a worker gets its images in increasing index order, so it decompresses each file about
 * once per run, holding one chunk at a time (memory stays flat in the number of images).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import type { ArrayRecordSource } from '../../protocol/messages';
import type { Raster } from './raster';
import { readHdf5Record } from '../hdf5/record-slice';

const bytesPerElement: Record<ArrayRecordSource['dtype'], number> = { uint8: 1, uint16: 2, float32: 4, float64: 8 };

export function recordByteLength(source: ArrayRecordSource): number {
  return source.height * source.width * source.channels * bytesPerElement[source.dtype];
}

/** Reads the record and converts it to an interleaved Raster; throws a one-line reason when it cannot. */
export async function readArrayRecord(source: ArrayRecordSource): Promise<Raster> {
  const bytes = await readRecordBytes(source);
  return recordRaster(bytes, source);
}

/** The record's values as height·width·channels floats, interleaved. Pure. */
export function recordRaster(bytes: Uint8Array, source: ArrayRecordSource): Raster {
  const { height, width, channels } = source;
  const count = height * width * channels;
  if (bytes.length !== count * bytesPerElement[source.dtype]) {
    throw new Error(`${describe(source)}: ${bytes.length} bytes for a ${width}x${height}x${channels} ${source.dtype} image`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = elementReader(view, source);
  const data = new Float32Array(count);
  const plane = height * width;
  for (let i = 0; i < count; i++) {
    // i indexes the output (interleaved); the stored element is at the same place, or in its channel's plane.
    const stored = source.layout === 'hwc' ? i : (i % channels) * plane + Math.floor(i / channels);
    data[i] = value(stored);
  }
  if (source.dtype === 'float32' || source.dtype === 'float64') checkPixelRange(data, source);
  return { width, height, channels, data };
}

function elementReader(view: DataView, source: ArrayRecordSource): (index: number) => number {
  const little = source.littleEndian;
  switch (source.dtype) {
    case 'uint8':
      return (i) => view.getUint8(i) / 255;
    case 'uint16':
      return (i) => view.getUint16(i * 2, little) / 65535;
    case 'float32':
      return (i) => view.getFloat32(i * 4, little);
    case 'float64':
      return (i) => view.getFloat64(i * 8, little);
  }
}

/** Float arrays must already be in the protocol's pixel units; a 0–255 float array would silently inflate every norm. */
function checkPixelRange(data: Float32Array, source: ArrayRecordSource): void {
  let low = Infinity;
  let high = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) throw new Error(`${describe(source)}: holds a non-finite value`);
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (low < 0 || high > 1) {
    throw new Error(`${describe(source)}: float pixel values must lie in [0, 1], found ${low}…${high}${high > 1 && high <= 255 ? ' (divide 0–255 values by 255)' : ''}`);
  }
}

function describe(source: ArrayRecordSource): string {
  return `${source.format} record ${source.index}`;
}

async function readRecordBytes(source: ArrayRecordSource): Promise<Uint8Array> {
  const length = recordByteLength(source);
  if (source.encoding === 'hdf5') return readHdf5Record(source);
  if (source.encoding === 'plain') return readPlain(source.path, source.start + source.offset, length);
  return cursorFor(source).read(source.offset, length);
}

async function readPlain(path: string, position: number, length: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await file.read(bytes, 0, length, position);
    if (bytesRead < length) throw new Error(`${path} ends before byte ${position + length} (truncated?)`);
    return bytes;
  } finally {
    await file.close();
  }
}

/** Reads a compressed stream forwards; restarts it when asked for bytes behind its position. */
class StreamCursor {
  private chunks: AsyncIterator<Buffer> | null = null;
  private stream: NodeJS.ReadableStream | null = null;
  /** Decoded bytes held: `held` starts at stream position `heldAt`. */
  private held: Buffer = Buffer.alloc(0);
  private heldAt = 0;

  constructor(
    private readonly path: string,
    private readonly encoding: 'gzip' | 'deflate',
    private readonly start: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.chunks === null || offset < this.heldAt) this.restart();
    // Drop what lies before `offset`, then gather until the record is complete.
    while (this.heldAt + this.held.length < offset + length) {
      if (this.heldAt + this.held.length <= offset) {
        this.heldAt += this.held.length;
        this.held = Buffer.alloc(0);
      }
      const next = await this.nextChunk();
      if (next === null) throw new Error(`${this.path} ends before byte ${offset + length} of its decompressed data (truncated?)`);
      this.held = this.held.length === 0 ? next : Buffer.concat([this.held, next]);
    }
    const from = offset - this.heldAt;
    const record = Buffer.from(this.held.subarray(from, from + length));
    this.held = this.held.subarray(from + length);
    this.heldAt = offset + length;
    return record;
  }

  close(): void {
    (this.stream as { destroy?: () => void } | null)?.destroy?.();
    this.stream = null;
    this.chunks = null;
  }

  private restart(): void {
    this.close();
    const decoder = this.encoding === 'gzip' ? createGunzip() : createInflateRaw();
    const file = createReadStream(this.path, { start: this.start });
    file.on('error', (error) => decoder.destroy(error));
    this.stream = file.pipe(decoder);
    this.chunks = (this.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.held = Buffer.alloc(0);
    this.heldAt = 0;
  }

  private async nextChunk(): Promise<Buffer | null> {
    try {
      const { value, done } = await (this.chunks as AsyncIterator<Buffer>).next();
      return done ? null : value;
    } catch (error) {
      this.close();
      const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'truncated' : (error as Error).message;
      throw new Error(`${this.path}: cannot decompress (${reason})`);
    }
  }
}

/** Few streams are open at once (one images array per dataset); the oldest is closed beyond this. */
const openCursors = 4;
const cursors = new Map<string, StreamCursor>();

function cursorFor(source: ArrayRecordSource): StreamCursor {
  const key = `${source.encoding}:${source.start}:${source.path}`;
  let cursor = cursors.get(key);
  if (cursor) {
    cursors.delete(key);
  } else {
    cursor = new StreamCursor(source.path, source.encoding as 'gzip' | 'deflate', source.start);
  }
  cursors.set(key, cursor);
  while (cursors.size > openCursors) {
    const [oldest, stale] = cursors.entries().next().value as [string, StreamCursor];
    stale.close();
    cursors.delete(oldest);
  }
  return cursor;
}
