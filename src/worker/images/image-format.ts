/**
 * Which image format a file is, from its first bytes (never its name), and the file extensions
 * the dataset listing looks at. No decoder is imported here, so the host can list a dataset
 * without loading sharp.
 */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'bmp' | 'pnm';

/** Extensions of the image files a dataset folder is searched for (lower case). */
export const imageExtensions: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.ppm', '.pgm', '.pbm', '.pnm'];

/** Bytes imageFormatOf needs to tell every format apart. */
export const formatSignatureLength = 12;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) => signature.every((byte, i) => bytes[at + i] === byte);
const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const netpbmSeparators = new Set([0x20, 0x09, 0x0a, 0x0d, 0x23]);

/** The image format of a file from its first bytes, or null when it is none this tool reads. */
export function imageFormatOf(head: Uint8Array): ImageFormat | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'gif';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(head, ascii('BM')) && head.length >= 14) return 'bmp';
  if (head[0] === 0x50 && head[1] >= 0x31 && head[1] <= 0x36 && netpbmSeparators.has(head[2])) return 'pnm';
  return null;
}

export const imageFormatNames = 'PNG, JPEG, WebP, GIF, TIFF, BMP, PPM/PGM';
