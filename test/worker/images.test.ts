// Dataset images into the model's pixel space: real PNG and JPEG files encoded in the test,
// channel conversion, bilinear resizing (checked against TF.js's own resizeBilinear).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { toChannels } from '../../src/worker/images/channels';
import { decodeImage } from '../../src/worker/images/decode';
import { modelImage, readModelImage } from '../../src/worker/images/model-image';
import { toPicture } from '../../src/worker/images/picture';
import type { Raster } from '../../src/worker/images/raster';
import { resizeBilinear } from '../../src/worker/images/resize';

const geometry = (height: number, width: number, channels: number) => ({ height, width, channels, shape: [height, width, channels] });

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what} [${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('8-bit PNGs: RGB, RGBA (alpha dropped, colours kept where transparent), gray, gray+alpha', async () => {
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 51, 102, 204]);
  const fromRgb = await decodeImage(encodePng({ width: 2, height: 2, channels: 3, depth: 8, data: rgb }));
  assert.deepEqual([fromRgb.width, fromRgb.height, fromRgb.channels], [2, 2, 3]);
  assertClose(fromRgb.data, Array.from(rgb, (v) => v / 255), 1e-7);

  const rgba = Uint8Array.from([10, 20, 30, 0, 40, 50, 60, 255]);
  const fromRgba = toChannels(await decodeImage(encodePng({ width: 2, height: 1, channels: 4, depth: 8, data: rgba })), 3);
  assertClose(fromRgba.data, [10, 20, 30, 40, 50, 60].map((v) => v / 255), 1e-7, 'alpha dropped');

  const gray = Uint8Array.from([0, 128, 255]);
  const fromGray = toChannels(await decodeImage(encodePng({ width: 3, height: 1, channels: 1, depth: 8, data: gray })), 3);
  assertClose(fromGray.data, [0, 0, 0, 128, 128, 128, 255, 255, 255].map((v) => v / 255), 1e-7, 'gray copied to RGB');

  const grayAlpha = Uint8Array.from([100, 0, 200, 255]);
  const fromGrayAlpha = toChannels(await decodeImage(encodePng({ width: 2, height: 1, channels: 2, depth: 8, data: grayAlpha })), 1);
  assertClose(fromGrayAlpha.data, [100 / 255, 200 / 255], 1e-7, 'gray+alpha');
});

test('16-bit, 1-bit, palette and interlaced PNGs decode to [0, 1]', async () => {
  const deep = Uint16Array.from([0, 65535, 32768, 1000, 2000, 3000]);
  const fromDeep = await decodeImage(encodePng({ width: 2, height: 1, channels: 3, depth: 16, data: deep }));
  assertClose(fromDeep.data, Array.from(deep, (v) => v / 65535), 1e-7, '16-bit RGB');

  // 1-bit gray, width 10: rows are padded to whole bytes.
  const bits = [1, 0, 1, 1, 0, 0, 0, 1, 1, 0];
  const packed = Uint8Array.from([0b10110001, 0b10000000]);
  const fromBits = await decodeImage(encodePng({ width: 10, height: 1, channels: 1, depth: 1, data: packed }));
  assertClose(fromBits.data, bits, 0, '1-bit gray');

  const palette = [[255, 0, 0], [0, 128, 255], [20, 40, 60]];
  const paletteData = Uint8Array.from([0x12, 0x00]); // pixels 1, 2, 0, 0 (4 bits each)
  const fromPalette = await decodeImage(encodePng({ width: 4, height: 1, channels: 1, depth: 4, data: paletteData, palette }));
  assert.equal(fromPalette.channels, 3);
  assertClose(fromPalette.data, [palette[1], palette[2], palette[0], palette[0]].flat().map((v) => v / 255), 1e-7, 'palette');

  const pixels = Uint8Array.from({ length: 9 * 7 * 3 }, (_, i) => (i * 37) % 256);
  const interlaced = await decodeImage(encodePng({ width: 9, height: 7, channels: 3, depth: 8, data: pixels }, { interlace: 'Adam7' }));
  assertClose(interlaced.data, Array.from(pixels, (v) => v / 255), 1e-7, 'Adam7');
});

test('JPEG decodes to RGB in [0, 1] (lossy: within a few levels)', async () => {
  const width = 16;
  const height = 8;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([200, 100, 50, 255], i * 4);
  const file = jpeg.encode({ width, height, data: rgba }, 100).data;
  const raster = await decodeImage(file);
  assert.deepEqual([raster.width, raster.height, raster.channels], [width, height, 3]);
  for (let i = 0; i < width * height; i++) assertClose(raster.data.subarray(i * 3, i * 3 + 3), [200 / 255, 100 / 255, 50 / 255], 4 / 255);
});

test('unreadable files fail with a one-line reason', async () => {
  await assert.rejects(decodeImage(new TextEncoder().encode('just some text')), /not an image this tool reads/);
  const png = encodePng({ width: 4, height: 4, channels: 3, depth: 8, data: new Uint8Array(48) });
  await assert.rejects(decodeImage(png.subarray(0, 40)), /unreadable PNG/);
  await assert.rejects(decodeImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 2, 0, 0])), /unreadable JPEG/);
  await assert.rejects(readModelImage('/nonexistent/image.png', geometry(2, 2, 1)), /cannot read \/nonexistent\/image\.png: ENOENT/);
});

test('RGB to gray is ITU-R 601 luma', () => {
  const raster: Raster = { width: 2, height: 1, channels: 3, data: Float32Array.from([1, 0, 0, 0.2, 0.4, 0.6]) };
  assertClose(toChannels(raster, 1).data, [0.299, 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6], 1e-6);
});

test('bilinear resizing equals tf.image.resizeBilinear with half-pixel centres, up and down', async () => {
  await tf.setBackend('cpu');
  const source: Raster = { width: 7, height: 5, channels: 3, data: Float32Array.from({ length: 7 * 5 * 3 }, (_, i) => ((i * 7919) % 101) / 100) };
  for (const [height, width] of [[3, 4], [11, 13], [5, 2], [1, 1]]) {
    const ours = resizeBilinear(source, height, width);
    const theirs = tf.tidy(() =>
      tf.image.resizeBilinear(tf.tensor3d(source.data, [5, 7, 3]), [height, width], false, true).dataSync(),
    );
    assertClose(ours.data, theirs, 1e-6, `${height}x${width}`);
  }
  assert.equal(resizeBilinear(source, 5, 7), source, 'the same size is left alone');
  const flat: Raster = { width: 4, height: 4, channels: 1, data: new Float32Array(16).fill(0.3) };
  assertClose(resizeBilinear(flat, 9, 3).data, new Array(27).fill(0.3), 1e-7, 'constant stays constant');
});

test('a file becomes the model input and says how it was resized', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'rl-images-'));
  try {
    const gray = Uint8Array.from({ length: 32 * 32 }, (_, i) => i % 256);
    const path = join(folder, 'digit.png');
    writeFileSync(path, encodePng({ width: 32, height: 32, channels: 1, depth: 8, data: gray }));
    const image = await readModelImage(path, geometry(28, 28, 3));
    assert.equal(image.pixels.length, 28 * 28 * 3);
    assert.equal(image.resized, 'bilinear from 32x32 to 28x28');
    for (let i = 0; i < 28 * 28; i++) {
      assert.equal(image.pixels[i * 3], image.pixels[i * 3 + 1]);
      assert.equal(image.pixels[i * 3], image.pixels[i * 3 + 2]);
    }
    const same = await modelImage(encodePng({ width: 2, height: 2, channels: 1, depth: 8, data: Uint8Array.from([0, 51, 102, 255]) }), geometry(2, 2, 1));
    assert.equal(same.resized, null);
    assertClose(same.pixels, [0, 0.2, 0.4, 1], 1e-7);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('pictures for the panel are 8-bit RGB, gray replicated, values clamped', () => {
  const picture = toPicture(Float32Array.from([0, 0.5, 1.2, -0.1]), 2, 2, 1);
  assert.deepEqual({ width: picture.width, height: picture.height, channels: picture.channels }, { width: 2, height: 2, channels: 3 });
  assert.deepEqual(Array.from(Buffer.from(picture.base64, 'base64')), [0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0]);
});
