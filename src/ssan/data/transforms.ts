/**
 * Spatial augmentation of a clip (docs/model.md#transforms): pure functions on RgbImage, and `transformClip`, which
 * turns the T decoded frames of a clip into the network's input, float32 [T, 3, crop, crop].
 *
 * Every intermediate image is 8-bit, as in TSM's PIL pipeline (resize, crop, resize, flip, then ToTensor
 * and Normalize), so a value is rounded wherever PIL would round it.
 */
import type { Generator } from '../../tensor/random';
import type { RgbImage } from './types';

export type Rgb = [number, number, number];

export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];

/** TSM's GroupMultiScaleCrop scales, relative to the short side. */
export const MULTI_SCALE_CROP_SCALES: readonly number[] = [1, 0.875, 0.75, 0.66];

export interface ClipTransform {
  /**
   * 'paper': every frame resized to resize × resize, then one crop × crop window for the clip (random
   * when training, centred otherwise). 'tsn_msc': the short side scaled to `resize`, then (training) one
   * multi-scale crop resized to crop × crop, or (evaluation) the centre crop.
   */
  aug: 'paper' | 'tsn_msc';
  resize: number;
  crop: number;
  /** Random crop (and flip, if `flip`) when true; centre crop when false. */
  train: boolean;
  /** Horizontal flip, p = 0.5 per clip, training only. Never for Something-Something (docs/model.md#transforms). */
  flip: boolean;
  /** Per-channel mean and std of RGB in [0, 1]; ImageNet's when omitted. */
  mean?: Rgb;
  std?: Rgb;
}

/** A window of an image, in pixels. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The geometry of one clip: every frame gets the same scaling, window and flip. */
export interface ClipPlan {
  /** The size frames are first resized to. */
  scaled: { width: number; height: number };
  /** The window of the scaled frame that becomes the output (resized to crop × crop if it differs). */
  box: CropBox;
  flip: boolean;
}

/**
 * Bilinear taps along one axis: output j = in[lo[j]]·(1 − frac[j]) + in[hi[j]]·frac[j]. Pixel centres are
 * aligned (align_corners=False), with PyTorch's rule: source = (j + 0.5)·in/out − 0.5, clamped at 0. Like
 * F.interpolate without antialias, a downscale reads only the two nearest pixels (PIL, by contrast,
 * widens its filter when shrinking; both agree when enlarging).
 */
export interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

export function bilinearTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let j = 0; j < outSize; j++) {
    const source = Math.max(scale * (j + 0.5) - 0.5, 0);
    const low = Math.floor(source);
    lo[j] = low;
    hi[j] = low < inSize - 1 ? low + 1 : low;
    frac[j] = source - low;
  }
  return { lo, hi, frac };
}

function checkImage(fn: string, image: RgbImage): void {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`${fn}: expected ${image.width}x${image.height}x3 bytes of RGB, got ${image.data.length}`);
  }
}

function checkSize(fn: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${fn}: ${what} must be a positive integer, got ${value}`);
}

/**
 * Interleaved bilinear resampling of `channels`-channel pixels. Values are rounded when `out` is 8-bit.
 * The weights are applied in PyTorch's order (rows of the two columns first) so float results match it.
 */
export function resampleBilinear(
  source: ArrayLike<number>, width: number, height: number, channels: number,
  outWidth: number, outHeight: number, out: Float32Array | Uint8Array,
): void {
  const xs = bilinearTaps(width, outWidth);
  const ys = bilinearTaps(height, outHeight);
  const rounding = out instanceof Uint8Array;
  const rowStride = width * channels;
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const row0 = ys.lo[y] * rowStride;
    const row1 = ys.hi[y] * rowStride;
    const fy = ys.frac[y];
    const gy = 1 - fy;
    for (let x = 0; x < outWidth; x++) {
      const col0 = xs.lo[x] * channels;
      const col1 = xs.hi[x] * channels;
      const fx = xs.frac[x];
      const gx = 1 - fx;
      for (let c = 0; c < channels; c++) {
        const value =
          gy * (gx * source[row0 + col0 + c] + fx * source[row0 + col1 + c]) +
          fy * (gx * source[row1 + col0 + c] + fx * source[row1 + col1 + c]);
        out[o++] = rounding ? Math.round(value) : value;
      }
    }
  }
}

/** Bilinear resize to width × height (see AxisTaps for the sampling rule); rounds to 8 bits. */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  checkImage('resizeBilinear', image);
  checkSize('resizeBilinear', 'width', width);
  checkSize('resizeBilinear', 'height', height);
  if (width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * 3);
  resampleBilinear(image.data, image.width, image.height, 3, width, height, data);
  return { width, height, data };
}

/** The pixels of `box`, which must lie inside the image. */
export function cropImage(image: RgbImage, box: CropBox): RgbImage {
  checkImage('cropImage', image);
  const { left, top, width, height } = box;
  if (![left, top, width, height].every(Number.isInteger) || left < 0 || top < 0 || width < 1 || height < 1 ||
      left + width > image.width || top + height > image.height) {
    throw new Error(
      `cropImage: box ${width}x${height} at (${left}, ${top}) does not fit in a ${image.width}x${image.height} image`,
    );
  }
  if (left === 0 && top === 0 && width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * 3);
  const rowBytes = width * 3;
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { width, height, data };
}

/** The mirror image (left ↔ right). */
export function flipHorizontal(image: RgbImage): RgbImage {
  checkImage('flipHorizontal', image);
  const { width, height } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + x * 3;
      const to = row + (width - 1 - x) * 3;
      data[to] = image.data[from];
      data[to + 1] = image.data[from + 1];
      data[to + 2] = image.data[from + 2];
    }
  }
  return { width, height, data };
}

/**
 * Writes (RGB/255 − mean)/std as planar [3, height, width] float32 into `out` from `offset`: the layout
 * ToTensor + Normalize produce.
 */
export function normalizeInto(image: RgbImage, mean: Rgb, std: Rgb, out: Float32Array, offset: number): void {
  checkImage('normalizeInto', image);
  const plane = image.width * image.height;
  if (offset < 0 || offset + 3 * plane > out.length) {
    throw new Error(`normalizeInto: ${3 * plane} values from ${offset} do not fit in an array of ${out.length}`);
  }
  for (let c = 0; c < 3; c++) {
    // 256 possible inputs per channel: look them up rather than divide per pixel.
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean[c]) / std[c];
    const base = offset + c * plane;
    for (let p = 0, q = c; p < plane; p++, q += 3) out[base + p] = table[image.data[q]];
  }
}

/** The start of a centred window, as torchvision's CenterCrop: round((size − crop)/2), halves to even. */
export function centerCropOffset(size: number, crop: number): number {
  const twice = size - crop;
  const half = Math.floor(twice / 2);
  // Python's round() sends x.5 to the even neighbour.
  return twice % 2 === 0 || half % 2 === 0 ? half : half + 1;
}

/** torchvision's Resize(size) on PIL images: short side to `size`, long side int(size·long/short). */
export function scaleShortSide(width: number, height: number, size: number): { width: number; height: number } {
  if ((width <= height && width === size) || (height <= width && height === size)) return { width, height };
  if (width < height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

/**
 * GroupMultiScaleCrop's candidate (width, height) pairs: sides int(base·scale) of the short side base,
 * snapped to `crop` when less than 3 px from it, paired when their scale indices differ by at most
 * `maxDistort` (aspect jitter). Ordered as TSM lists them (height scale outer, width inner).
 */
export function multiScaleCropSizes(
  width: number, height: number, crop: number,
  scales: readonly number[] = MULTI_SCALE_CROP_SCALES, maxDistort = 1,
): [number, number][] {
  const base = Math.min(width, height);
  const sides = scales.map((s) => {
    const side = Math.trunc(base * s);
    return Math.abs(side - crop) < 3 ? crop : side;
  });
  const pairs: [number, number][] = [];
  for (let i = 0; i < sides.length; i++) {
    for (let j = 0; j < sides.length; j++) {
      if (Math.abs(i - j) <= maxDistort) pairs.push([sides[j], sides[i]]);
    }
  }
  return pairs;
}

/**
 * The 13 window positions of GroupMultiScaleCrop with more_fix_crop, as [left, top] in TSM's order:
 * 4 corners, centre, 4 edge centres, 4 quarter points, on a grid of step ⌊(size − crop)/4⌋.
 */
export function fixedCropOffsets(width: number, height: number, cropWidth: number, cropHeight: number): [number, number][] {
  const w = Math.floor((width - cropWidth) / 4);
  const h = Math.floor((height - cropHeight) / 4);
  return [
    [0, 0], [4 * w, 0], [0, 4 * h], [4 * w, 4 * h], [2 * w, 2 * h],
    [0, 2 * h], [4 * w, 2 * h], [2 * w, 4 * h], [2 * w, 0],
    [w, h], [3 * w, h], [w, 3 * h], [3 * w, 3 * h],
  ];
}

/** The options with the defaults filled in, after checking them. */
export function resolveClipTransform(options: ClipTransform): Required<ClipTransform> {
  const fn = 'ClipTransform';
  if (options.aug !== 'paper' && options.aug !== 'tsn_msc') {
    throw new Error(`${fn}: aug must be 'paper' or 'tsn_msc', got '${String(options.aug)}'`);
  }
  checkSize(fn, 'resize', options.resize);
  checkSize(fn, 'crop', options.crop);
  if (options.crop > options.resize) {
    throw new Error(`${fn}: crop (${options.crop}) must not exceed resize (${options.resize})`);
  }
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  if (mean.length !== 3 || !mean.every(Number.isFinite)) throw new Error(`${fn}: mean must be 3 finite numbers, got [${mean}]`);
  if (std.length !== 3 || !std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error(`${fn}: std must be 3 positive numbers, got [${std}]`);
  }
  return { aug: options.aug, resize: options.resize, crop: options.crop, train: Boolean(options.train),
    flip: Boolean(options.flip), mean, std };
}

/**
 * Decides the clip's geometry for frames of width × height. Random draws from `rng`, in this order:
 * 'paper' training: top, then left (each uniform over the valid positions); 'tsn_msc' training: the size
 * pair, then one of the 13 positions; then, when training with flip, one draw for the flip. Evaluation
 * draws nothing.
 */
export function planClip(width: number, height: number, options: ClipTransform, rng: Generator): ClipPlan {
  const { aug, resize, crop, train, flip } = resolveClipTransform(options);
  const scaled = aug === 'paper' ? { width: resize, height: resize } : scaleShortSide(width, height, resize);
  let box: CropBox;
  if (!train) {
    box = { left: centerCropOffset(scaled.width, crop), top: centerCropOffset(scaled.height, crop), width: crop, height: crop };
  } else if (aug === 'paper') {
    const top = rng.randint(scaled.height - crop + 1);
    const left = rng.randint(scaled.width - crop + 1);
    box = { left, top, width: crop, height: crop };
  } else {
    const pairs = multiScaleCropSizes(scaled.width, scaled.height, crop);
    const [cropWidth, cropHeight] = pairs[rng.randint(pairs.length)];
    const offsets = fixedCropOffsets(scaled.width, scaled.height, cropWidth, cropHeight);
    const [left, top] = offsets[rng.randint(offsets.length)];
    box = { left, top, width: cropWidth, height: cropHeight };
  }
  const flipped = train && flip ? rng.random() < 0.5 : false;
  return { scaled, box, flip: flipped };
}

/**
 * The network input for one clip: float32 [T, 3, crop, crop], every frame scaled, cropped, resized and
 * flipped the same way (planClip), then normalised. All frames must have the same size.
 */
export function transformClip(frames: RgbImage[], options: ClipTransform, rng: Generator): Float32Array {
  const resolved = resolveClipTransform(options);
  if (frames.length === 0) throw new Error('transformClip: expected at least one frame, got none');
  const { width, height } = frames[0];
  for (let t = 0; t < frames.length; t++) {
    checkImage('transformClip', frames[t]);
    if (frames[t].width !== width || frames[t].height !== height) {
      throw new Error(`transformClip: frame ${t} is ${frames[t].width}x${frames[t].height}, frame 0 is ${width}x${height}`);
    }
  }
  const plan = planClip(width, height, resolved, rng);
  const { crop, mean, std } = resolved;
  const frameValues = 3 * crop * crop;
  const out = new Float32Array(frames.length * frameValues);
  frames.forEach((frame, t) => {
    let image = resizeBilinear(frame, plan.scaled.width, plan.scaled.height);
    image = cropImage(image, plan.box);
    image = resizeBilinear(image, crop, crop);
    if (plan.flip) image = flipHorizontal(image);
    normalizeInto(image, mean, std, out, t * frameValues);
  });
  return out;
}
