/**
 * Reading the decoded bytes of an array file without holding the file: its first bytes (headers),
 * all of a small one (labels), or its decoded length (to find truncation), for plain files and
 * for gzip or raw-deflate streams starting at a byte of the file.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import type { ArrayRecordSource } from '../../protocol/messages';

/** The byte streams of array files (an HDF5 dataset is read through HDF5 instead). */
export type Encoding = Exclude<ArrayRecordSource['encoding'], 'hdf5'>;

export interface StreamPlace {
  path: string;
  encoding: Encoding;
  /** Byte of the file where the (compressed) stream starts. */
  start: number;
  /** Compressed bytes of the stream (a zip member); default: to the end of the file. */
  length?: number;
}

/** gzip files start with 1f 8b. */
export async function encodingOfFile(path: string): Promise<'plain' | 'gzip'> {
  const head = await readPlain(path, 0, 2);
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : 'plain';
}

export async function readPlain(path: string, position: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await file.read(bytes, 0, length, position);
    return bytes.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function decodedStream(place: StreamPlace): AsyncIterable<Buffer> {
  const end = place.length === undefined ? undefined : place.start + place.length - 1;
  const file = createReadStream(place.path, { start: place.start, end });
  if (place.encoding === 'plain') return file;
  const decoder = place.encoding === 'gzip' ? createGunzip() : createInflateRaw();
  file.on('error', (error) => decoder.destroy(error));
  return file.pipe(decoder);
}

/** Up to `length` decoded bytes from the start of the stream (fewer when it is shorter or breaks off). */
export async function readHead(place: StreamPlace, length: number): Promise<Buffer> {
  if (place.encoding === 'plain') return readPlain(place.path, place.start, Math.min(length, place.length ?? length));
  const chunks: Buffer[] = [];
  let held = 0;
  const stream = decodedStream(place);
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      held += chunk.length;
      if (held >= length) break;
    }
  } catch {
    // a damaged stream: what was decoded so far is returned, and the caller reports what is missing
  } finally {
    (stream as { destroy?: () => void }).destroy?.();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** Every decoded byte: only for small files (labels). Throws a one-line reason when the stream is damaged. */
export async function readWhole(place: StreamPlace): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of decodedStream(place)) chunks.push(chunk);
  } catch (error) {
    throw new Error(`${place.path}: cannot decompress (${damage(error)})`);
  }
  return Buffer.concat(chunks);
}

/** The decoded length, streaming; a damaged stream gives the length decoded before the damage and why. */
export async function decodedLength(place: StreamPlace): Promise<{ length: number; damage: string | null }> {
  if (place.encoding === 'plain') {
    const size = (await stat(place.path)).size - place.start;
    return { length: place.length === undefined ? size : Math.min(size, place.length), damage: null };
  }
  let length = 0;
  try {
    for await (const chunk of decodedStream(place)) length += chunk.length;
  } catch (error) {
    return { length, damage: damage(error) };
  }
  return { length, damage: null };
}

function damage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'Z_BUF_ERROR' ? 'truncated' : (error as Error).message;
}
