/**
 * Image files into Rasters in [0, 1]. The format is read from the file's signature, not its name
 * (imageFormatOf). PNG, JPEG, WebP, GIF (first frame) and TIFF (first page) are decoded by sharp
 * (libvips, whose prebuilt binaries ship in npm packages); BMP by bmp-ts; PPM/PGM/PBM by pnm.ts,
 * because sharp's prebuilt libvips has no Netpbm or BMP loader.
 *
 * Values are read as stored, the way PIL reads them for torchvision and Keras: no ICC colour
 * conversion, no EXIF rotation, gray stays one channel, 16-bit samples keep their 16 bits
 * (value / 65535), low-bit gray is scaled to full range (a 2-bit 1 is 1/3), palettes become RGB.
 */
import sharp from 'sharp';
import { decode as decodeBmp } from 'bmp-ts';
import { imageFormatNames, imageFormatOf } from './image-format';
import { decodePnm } from './pnm';
import type { Raster } from './raster';

/** Refuse images whose decoded pixels would not fit comfortably in memory. */
export const maxMegapixels = 100;

/** Decodes an image file's bytes; throws a one-line reason when it cannot. */
export async function decodeImage(bytes: Uint8Array): Promise<Raster> {
  const format = imageFormatOf(bytes);
  if (format === null) throw new Error(`not an image this tool reads (${imageFormatNames})`);
  let raster: Raster;
  try {
    raster = format === 'bmp' ? bmpRaster(bytes) : format === 'pnm' ? decodePnm(bytes) : await sharpRaster(bytes);
  } catch (error) {
    throw new Error(`unreadable ${format.toUpperCase()}: ${oneLine(error)}`);
  }
  if (raster.width * raster.height > maxMegapixels * 1e6) {
    throw new Error(`${format.toUpperCase()} of ${raster.width}x${raster.height} is larger than ${maxMegapixels} megapixels`);
  }
  return raster;
}

async function sharpRaster(bytes: Uint8Array): Promise<Raster> {
  const options = { ignoreIcc: true, failOn: 'error', limitInputPixels: maxMegapixels * 1e6, page: 0, pages: 1 } as const;
  const metadata = await sharp(bytes, options).metadata();
  const sixteenBit = metadata.depth === 'ushort';
  const gray = metadata.space === 'b-w' || metadata.space === 'grey16';
  const colourspace = gray ? (sixteenBit ? 'grey16' : 'b-w') : sixteenBit ? 'rgb16' : 'srgb';
  const { data, info } = await sharp(bytes, options)
    .toColourspace(colourspace)
    .raw({ depth: sixteenBit ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const samples = info.width * info.height * info.channels;
  const values = sixteenBit ? new Uint16Array(data.buffer, data.byteOffset, samples) : data;
  if (values.length < samples) throw new Error('unexpected pixel data size');
  const scale = 1 / (sixteenBit ? 65535 : 255);
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = values[i] * scale;
  return { width: info.width, height: info.height, channels: info.channels, data: out };
}

/** bmp-ts gives ABGR bytes (A first); BMPs carry no gray type, so the result is RGB, with alpha only when the file has it. */
function bmpRaster(bytes: Uint8Array): Raster {
  const bmp = decodeBmp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = bmp;
  const hasAlpha = bmp.bitPP === 32;
  const channels = hasAlpha ? 4 : 3;
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    data[i * channels] = bmp.data[i * 4 + 3] / 255;
    data[i * channels + 1] = bmp.data[i * 4 + 2] / 255;
    data[i * channels + 2] = bmp.data[i * 4 + 1] / 255;
    if (hasAlpha) data[i * channels + 3] = bmp.data[i * 4] / 255;
  }
  return { width, height, channels, data };
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}
