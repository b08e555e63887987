/**
 * The frames a model was fed, back as pictures: a clip is float32 [T, 3, H, W] normalised with a
 * per-channel mean and std (ImageNet's by default, as transformClip does), so each value is undone as
 * value·std + mean, scaled to 0..255 and clamped (augmentation can leave values a little outside), then
 * encoded as PNG for embedding in an SVG figure.
 */
import { PNG } from 'pngjs';
import { Tensor } from '../../tensor/tensor';
import { IMAGENET_MEAN, IMAGENET_STD, type Rgb } from '../data/transforms';

/** An 8-bit RGB image, pixels interleaved row by row, as the data pipeline's RgbImage. */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Normalization {
  /** Per-channel mean of RGB in [0, 1] that was subtracted (ImageNet's when omitted). */
  mean?: Rgb;
  /** Per-channel std that was divided by (ImageNet's when omitted). */
  std?: Rgb;
}

/** Checks a clip is [T, 3, H, W] and returns its sizes; a batch of one clip [1, T, 3, H, W] is accepted too. */
export function clipSizes(op: string, frames: Tensor): { frames: number; height: number; width: number } {
  const shape = frames instanceof Tensor ? frames.shape : null;
  const dims = shape && shape.length === 5 && shape[0] === 1 ? shape.slice(1) : shape;
  if (!dims || dims.length !== 4 || dims[1] !== 3) {
    const got = shape ? `shape [${shape.join(', ')}]` : String(frames);
    throw new Error(`${op}: expected the clip's frames as [T, 3, H, W] (normalised, as fed to the model); got ${got}`);
  }
  return { frames: dims[0], height: dims[2], width: dims[3] };
}

/** Frame t of a normalised clip as 8-bit RGB. */
export function denormalizeFrame(frames: Tensor, t: number, normalization: Normalization = {}): RgbPixels {
  const { frames: count, height, width } = clipSizes('denormalizeFrame', frames);
  if (!Number.isInteger(t) || t < 0 || t >= count) throw new Error(`denormalizeFrame: frame ${t} is outside 0..${count - 1}`);
  const mean = normalization.mean ?? IMAGENET_MEAN;
  const std = normalization.std ?? IMAGENET_STD;
  const plane = height * width;
  const values = frames.data;
  const data = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const base = (t * 3 + c) * plane;
    for (let p = 0; p < plane; p++) {
      const v = Math.round((values[base + p] * std[c] + mean[c]) * 255);
      data[p * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, data };
}

/** RGB pixels as PNG bytes (opaque). */
export function rgbToPng(image: RgbPixels): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  for (let p = 0, q = 0; p < image.width * image.height; p++, q += 3) {
    png.data[p * 4] = image.data[q];
    png.data[p * 4 + 1] = image.data[q + 1];
    png.data[p * 4 + 2] = image.data[q + 2];
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Frame t of a normalised clip as a data: URI, for an SVG <image href>. */
export function frameDataUri(frames: Tensor, t: number, normalization: Normalization = {}): string {
  return `data:image/png;base64,${rgbToPng(denormalizeFrame(frames, t, normalization)).toString('base64')}`;
}
