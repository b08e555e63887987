/**
 * JPEG files in and out, through jpeg-js: a pure-JavaScript baseline and progressive decoder and a
 * baseline encoder, with no native code and no install step, so it works wherever Node does.
 */
import fs from 'fs';
import * as jpegJs from 'jpeg-js';
import type { RgbImage } from './types';

/** Decodes JPEG bytes to RGB; `source` names the file in the error when they are not a readable JPEG. */
export function decodeJpeg(bytes: Uint8Array, source = 'JPEG data'): RgbImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 512 });
  } catch (err) {
    throw new Error(`decodeJpeg: ${source} is not a readable JPEG (${(err as Error).message})`);
  }
  const { width, height, data } = decoded;
  if (width <= 0 || height <= 0 || data.length !== width * height * 3) {
    throw new Error(`decodeJpeg: ${source} decoded to ${width}x${height} with ${data.length} bytes, expected RGB`);
  }
  return { width, height, data };
}

export function readJpeg(file: string): RgbImage {
  return decodeJpeg(fs.readFileSync(file), file);
}

/** Encodes RGB to JPEG bytes at `quality` (1..100). */
export function encodeJpeg(image: RgbImage, quality = 90): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 3) {
    throw new Error(`encodeJpeg: expected ${width}x${height}x3 = ${width * height * 3} bytes of RGB, got ${data.length}`);
  }
  // jpeg-js encodes RGBA; alpha is ignored.
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
    rgba[q] = data[p];
    rgba[q + 1] = data[p + 1];
    rgba[q + 2] = data[p + 2];
    rgba[q + 3] = 255;
  }
  return new Uint8Array(jpegJs.encode({ width, height, data: rgba }, quality).data);
}

export function writeJpeg(file: string, image: RgbImage, quality = 90): void {
  fs.writeFileSync(file, encodeJpeg(image, quality));
}
