/**
 * PNG (fast-png) and JPEG (jpeg-js) files into Rasters in [0, 1]: pure JavaScript, no native
 * code or downloads. The format is read from the file's signature, not its name. PNGs of every
 * kind decode: 1–16-bit gray, gray+alpha, RGB(A), palettes (to RGB).
 */
import { decode as decodePng } from 'fast-png';
import type { DecodedPng } from 'fast-png';
import jpeg from 'jpeg-js';
import type { Raster } from './raster';

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Refuse images whose decoded pixels would not fit comfortably in memory. */
const maxMegapixels = 100;

export function decodeImage(bytes: Uint8Array): Raster {
  if (pngSignature.every((byte, i) => bytes[i] === byte)) return decodePngRaster(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpegRaster(bytes);
  throw new Error('not a PNG or JPEG image');
}

function decodePngRaster(bytes: Uint8Array): Raster {
  let png: DecodedPng;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new Error(`unreadable PNG: ${(error as Error).message}`);
  }
  const { width, height } = png;
  if (width * height > maxMegapixels * 1e6) throw new Error(`PNG of ${width}x${height} is larger than ${maxMegapixels} megapixels`);
  if (png.palette) return paletteRaster(png);
  const channels = png.channels;
  const samples = width * height * channels;
  const data = new Float32Array(samples);
  if (png.depth >= 8) {
    const scale = 1 / (2 ** png.depth - 1);
    for (let i = 0; i < samples; i++) data[i] = png.data[i] * scale;
  } else {
    unpackBits(png.data, png.depth, width * channels, height, data);
  }
  return { width, height, channels, data };
}

/** Gray PNGs of 1, 2 or 4 bits per sample: rows start on a byte boundary, most significant bits first. */
function unpackBits(packed: ArrayLike<number>, depth: number, samplesPerRow: number, height: number, out: Float32Array): void {
  const bytesPerRow = Math.ceil((samplesPerRow * depth) / 8);
  const max = 2 ** depth - 1;
  for (let row = 0; row < height; row++) {
    for (let i = 0; i < samplesPerRow; i++) {
      const bit = i * depth;
      const byte = packed[row * bytesPerRow + (bit >> 3)];
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[row * samplesPerRow + i] = value / max;
    }
  }
}

/** Palette images become RGB (the palette's alpha, like any alpha, is not used). */
function paletteRaster(png: DecodedPng): Raster {
  const palette = png.palette!;
  const { width, height, depth } = png;
  const indices = new Float32Array(width * height);
  if (depth === 8) {
    for (let i = 0; i < indices.length; i++) indices[i] = png.data[i];
  } else {
    unpackBits(png.data, depth, width, height, indices);
    const max = 2 ** depth - 1;
    for (let i = 0; i < indices.length; i++) indices[i] = Math.round(indices[i] * max);
  }
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < indices.length; i++) {
    const colour = palette[indices[i]];
    if (!colour) throw new Error(`unreadable PNG: palette index ${indices[i]} out of range`);
    for (let c = 0; c < 3; c++) data[i * 3 + c] = colour[c] / 255;
  }
  return { width, height, channels: 3, data };
}

function decodeJpegRaster(bytes: Uint8Array): Raster {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: maxMegapixels });
  } catch (error) {
    throw new Error(`unreadable JPEG: ${(error as Error).message ?? String(error)}`);
  }
  const { width, height } = image;
  const data = new Float32Array(width * height * 3);
  if (image.data.length !== data.length) throw new Error('unreadable JPEG: unexpected pixel data size');
  for (let i = 0; i < data.length; i++) data[i] = image.data[i] / 255;
  return { width, height, channels: 3, data };
}
