// Image formats beyond PNG, in real files: WebP (lossless), GIF (first frame of an animation), TIFF
// (RGB and gray), written by sharp's encoders; BMP by bmp-ts's; PPM/PGM/PBM by hand from the Netpbm
// specification. Known pixels in, the same pixels out. JPEG: sharp (libjpeg-turbo) against jpeg-js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encode as encodeBmp } from 'bmp-ts';
import jpeg from 'jpeg-js';
import { decodeImage } from '../../src/worker/images/decode';
import { imageFormatOf } from '../../src/worker/images/image-format';

const width = 5;
const height = 3;
const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + 11) % 256);
const scaled = (values: ArrayLike<number>, max = 255) => Array.from(values, (v) => Math.fround(v / max));
const raw = (data: Uint8Array, channels: 1 | 3 | 4) => sharp(Buffer.from(data), { raw: { width, height, channels } });

/** An uncompressed 8-bit BlackIsZero TIFF written from the TIFF 6.0 baseline (sharp's TIFF writer turns gray into sRGB-adjusted values). */
function grayBaselineTiff(gray: Uint8Array): Buffer {
  const tags: [number, number, number][] = [[256, 3, width], [257, 3, height], [258, 3, 8], [259, 3, 1], [262, 3, 1], [273, 4, 0], [277, 3, 1], [278, 3, height], [279, 4, gray.length]];
  const dataStart = 8 + 2 + tags.length * 12 + 4;
  const file = Buffer.alloc(dataStart + gray.length);
  file.write('II', 0, 'latin1');
  file.writeUInt16LE(42, 2);
  file.writeUInt32LE(8, 4);
  file.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    file.writeUInt16LE(tag, at);
    file.writeUInt16LE(type, at + 2);
    file.writeUInt32LE(1, at + 4);
    if (type === 3) file.writeUInt16LE(value, at + 8);
    else file.writeUInt32LE(tag === 273 ? dataStart : value, at + 8);
  });
  file.set(gray, dataStart);
  return file;
}

test('WebP (lossless), TIFF and BMP decode to the pixels that were encoded', async () => {
  const webp = await raw(rgb, 3).webp({ lossless: true }).toBuffer();
  assert.equal(imageFormatOf(webp), 'webp');
  assert.deepEqual(Array.from((await decodeImage(webp)).data), scaled(rgb));

  const tiff = await raw(rgb, 3).tiff({ compression: 'lzw' }).toBuffer();
  assert.equal(imageFormatOf(tiff), 'tiff');
  const fromTiff = await decodeImage(tiff);
  assert.deepEqual([fromTiff.width, fromTiff.height, fromTiff.channels], [width, height, 3]);
  assert.deepEqual(Array.from(fromTiff.data), scaled(rgb));

  const gray = Uint8Array.from({ length: width * height }, (_, i) => i * 17);
  const grayTiff = grayBaselineTiff(gray);
  const fromGrayTiff = await decodeImage(grayTiff);
  assert.equal(fromGrayTiff.channels, 1, 'gray stays gray');
  assert.deepEqual(Array.from(fromGrayTiff.data), scaled(gray));

  // bmp-ts takes ABGR bytes.
  const abgr = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) abgr.set([0, rgb[i * 3 + 2], rgb[i * 3 + 1], rgb[i * 3]], i * 4);
  const bmp = encodeBmp({ width, height, data: abgr, bitPP: 24 }).data;
  assert.equal(imageFormatOf(bmp), 'bmp');
  const fromBmp = await decodeImage(bmp);
  assert.deepEqual([fromBmp.width, fromBmp.height, fromBmp.channels], [width, height, 3]);
  assert.deepEqual(Array.from(fromBmp.data), scaled(rgb));
});

test('GIF: the first frame of an animation, its palette colours as RGB', async () => {
  const frames = Uint8Array.from([...rgb.map(() => 0), ...rgb]);
  const first = Uint8Array.from({ length: width * height * 3 }, (_, i) => [255, 0, 0, 0, 0, 255][i % 6]);
  frames.set(first, 0);
  const gif = await sharp(Buffer.from(frames), { raw: { width, height: height * 2, channels: 3, pageHeight: height } }).gif({ dither: 0, effort: 1 }).toBuffer();
  assert.equal(imageFormatOf(gif), 'gif');
  const decoded = await decodeImage(gif);
  assert.deepEqual([decoded.width, decoded.height], [width, height], 'one frame, not the strip of frames');
  const opaque = decoded.channels === 4 ? Array.from({ length: width * height * 3 }, (_, i) => decoded.data[Math.floor(i / 3) * 4 + (i % 3)]) : Array.from(decoded.data);
  assert.deepEqual(opaque, scaled(first));
});

test('PPM, PGM and PBM, binary and ASCII, 8- and 16-bit, comments in the header', async () => {
  const header = (text: string) => Buffer.from(text, 'latin1');
  const p6 = Buffer.concat([header(`P6\n# made by hand\n${width} ${height}\n255\n`), Buffer.from(rgb)]);
  assert.equal(imageFormatOf(p6), 'pnm');
  assert.deepEqual(Array.from((await decodeImage(p6)).data), scaled(rgb));

  const gray16 = [0, 1, 65535, 300, 40000, 7];
  const p5 = Buffer.concat([header('P5 3 2 65535\n'), Buffer.from(gray16.flatMap((v) => [v >> 8, v & 255]))]);
  const fromP5 = await decodeImage(p5);
  assert.deepEqual([fromP5.width, fromP5.height, fromP5.channels], [3, 2, 1]);
  assert.deepEqual(Array.from(fromP5.data), scaled(gray16, 65535));

  const p2 = header('P2\n2 2\n# maxval next\n15\n0 5\n10 15\n');
  assert.deepEqual(Array.from((await decodeImage(p2)).data), scaled([0, 5, 10, 15], 15));
  const p3 = header('P3 1 1 255 255 128 0');
  assert.deepEqual(Array.from((await decodeImage(p3)).data), scaled([255, 128, 0]));
  // PBM: 1 is black. P4 rows are padded to whole bytes.
  const p1 = header('P1\n3 1\n101\n');
  assert.deepEqual(Array.from((await decodeImage(p1)).data), [0, 1, 0]);
  const p4 = Buffer.concat([header('P4\n10 1\n'), Buffer.from([0b10110001, 0b01000000])]);
  assert.deepEqual(Array.from((await decodeImage(p4)).data), [0, 1, 0, 0, 1, 1, 1, 0, 1, 0]);

  await assert.rejects(decodeImage(Buffer.concat([header('P6\n4 4\n255\n'), Buffer.alloc(10)])), /^Error: unreadable PNM: truncated: 10 bytes of pixel data, expected 48$/);
  // A few bytes of header declaring 65535×65535 pixels are refused from the file's length, before 17 GB of samples are allocated.
  await assert.rejects(decodeImage(header('P5\n65535 65535\n255\n\0\0\0\0')), /^Error: unreadable PNM: truncated: 4 bytes of pixel data, expected 4294836225$/);
  await assert.rejects(decodeImage(header('P4\n65535 65535\n\0')), /^Error: unreadable PNM: truncated: 1 bytes of pixel data, expected 536862720$/);
  await assert.rejects(decodeImage(header('P3\n3000 3000\n255\n1 2 3')), /^Error: unreadable PNM: truncated: 6 bytes of pixel data, expected at least 27000000$/);
  await assert.rejects(decodeImage(header('P5\n2 2\n70000\n')), /unreadable PNM: maxval 70000 is outside 1…65535/);
});

test('JPEG: sharp (libjpeg-turbo, as PIL) and jpeg-js agree within a couple of levels', async () => {
  const size = 32;
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const x = i % size;
    const y = Math.floor(i / size);
    rgba.set([(x * 8) % 256, (y * 8) % 256, ((x + y) * 4) % 256, 255], i * 4);
  }
  const file = jpeg.encode({ width: size, height: size, data: rgba }, 90).data;
  const ours = await decodeImage(file);
  const theirs = jpeg.decode(file, { useTArray: true, formatAsRGBA: false });
  let largest = 0;
  for (let i = 0; i < ours.data.length; i++) largest = Math.max(largest, Math.abs(Math.round(ours.data[i] * 255) - theirs.data[i]));
  assert.ok(largest <= 3, `largest difference ${largest} levels`);
});
