/**
 * Netpbm images (PBM P1/P4, PGM P2/P5, PPM P3/P6: GTSRB ships PPM) into Rasters in [0, 1].
 * Written here because sharp's prebuilt libvips has no Netpbm loader and no maintained npm reader
 * installs offline. The format (netpbm.sourceforge.net/doc/ppm.html): magic, width, height and
 * (except PBM) maxval as ASCII numbers separated by whitespace or `#` comments, one whitespace byte,
 * then the samples: binary (1 byte, or 2 big-endian bytes when maxval > 255) or ASCII numbers.
 * Only the first image of a multi-image file is read. PBM's 1 is black.
 */
import type { Raster } from './raster';

export function decodePnm(bytes: Uint8Array): Raster {
  const kind = bytes[1] - 0x30;
  if (bytes[0] !== 0x50 || kind < 1 || kind > 6) throw new Error('not a Netpbm image');
  const reader = new HeaderReader(bytes, 2);
  const width = reader.number('width');
  const height = reader.number('height');
  const bitmap = kind === 1 || kind === 4;
  const maxval = bitmap ? 1 : reader.number('maxval');
  if (width < 1 || height < 1) throw new Error(`bad size ${width}x${height}`);
  if (maxval < 1 || maxval > 65535) throw new Error(`maxval ${maxval} is outside 1…65535`);
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const samples = width * height * channels;
  const ascii = kind <= 3;
  // The file must hold the samples its header declares before they are allocated: a few bytes of
  // header can declare 65535×65535 pixels (17 GB of float32).
  const start = ascii ? reader.offset : reader.binaryStart();
  const needed = ascii ? samples : bitmap ? Math.ceil(width / 8) * height : samples * (maxval > 255 ? 2 : 1);
  if (bytes.length - start < needed) {
    throw new Error(`truncated: ${bytes.length - start} bytes of pixel data, expected ${ascii ? 'at least ' : ''}${needed}`);
  }
  const data = new Float32Array(samples);
  if (ascii) {
    for (let i = 0; i < samples; i++) data[i] = reader.sample(bitmap) / maxval;
  } else if (bitmap) {
    readPackedBits(bytes, start, width, height, data);
  } else {
    readBinarySamples(bytes, start, maxval, data);
  }
  // PBM stores ink: 1 is black.
  if (bitmap) for (let i = 0; i < samples; i++) data[i] = 1 - data[i];
  for (let i = 0; i < samples; i++) if (data[i] > 1) throw new Error(`sample ${Math.round(data[i] * maxval)} exceeds maxval ${maxval}`);
  return { width, height, channels, data };
}

function readBinarySamples(bytes: Uint8Array, start: number, maxval: number, out: Float32Array): void {
  const wide = maxval > 255;
  for (let i = 0; i < out.length; i++) {
    const value = wide ? (bytes[start + 2 * i] << 8) | bytes[start + 2 * i + 1] : bytes[start + i];
    out[i] = value / maxval;
  }
}

/** P4: rows of width bits, each row padded to a whole byte, most significant bit first. */
function readPackedBits(bytes: Uint8Array, start: number, width: number, height: number, out: Float32Array): void {
  const rowBytes = Math.ceil(width / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = (bytes[start + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1;
  }
}

class HeaderReader {
  constructor(
    private readonly bytes: Uint8Array,
    private position: number,
  ) {}

  /** Where reading has got to. */
  get offset(): number {
    return this.position;
  }

  number(what: string): number {
    this.skipSpaceAndComments();
    let digits = '';
    while (this.position < this.bytes.length && isDigit(this.bytes[this.position])) digits += String.fromCharCode(this.bytes[this.position++]);
    if (digits === '') throw new Error(this.position >= this.bytes.length ? `truncated header (no ${what})` : `bad header: expected the ${what}`);
    return Number(digits);
  }

  /** An ASCII sample; in P1 the digits need no separator. */
  sample(bitmap: boolean): number {
    if (!bitmap) return this.number('pixel data');
    this.skipSpaceAndComments();
    const byte = this.bytes[this.position++];
    if (byte !== 0x30 && byte !== 0x31) throw new Error(byte === undefined ? 'truncated pixel data' : 'bad PBM pixel data');
    return byte - 0x30;
  }

  /** The binary samples start after exactly one whitespace byte following the last header number. */
  binaryStart(): number {
    if (!isSpace(this.bytes[this.position])) throw new Error('bad header: no whitespace before the pixel data');
    return this.position + 1;
  }

  private skipSpaceAndComments(): void {
    while (this.position < this.bytes.length) {
      const byte = this.bytes[this.position];
      if (isSpace(byte)) this.position++;
      else if (byte === 0x23) while (this.position < this.bytes.length && this.bytes[this.position] !== 0x0a && this.bytes[this.position] !== 0x0d) this.position++;
      else break;
    }
  }
}

const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;
const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c;
