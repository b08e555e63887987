/** Random colors for the synthetic scenes, all drawn from a seeded Generator. */
import type { Generator } from '../../../tensor/random';

export type Rgb = [number, number, number];

/** HSV (hue in degrees, saturation and value in [0, 1]) to RGB in 0..255. */
export function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const h = (((hue % 360) + 360) % 360) / 60;
  const chroma = value * saturation;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] =
    h < 1 ? [chroma, x, 0] : h < 2 ? [x, chroma, 0] : h < 3 ? [0, chroma, x] :
    h < 4 ? [0, x, chroma] : h < 5 ? [x, 0, chroma] : [chroma, 0, x];
  const m = value - chroma;
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

export function uniform(rng: Generator, low: number, high: number): number {
  return low + (high - low) * rng.random();
}

export function pick<T>(rng: Generator, items: readonly T[]): T {
  return items[rng.randint(items.length)];
}

/** A vivid color for an object; `hue` is returned too so a second object can keep away from it. */
export function saturatedColor(rng: Generator, hue = uniform(rng, 0, 360)): { hue: number; color: Rgb } {
  return { hue, color: hsvToRgb(hue, uniform(rng, 0.7, 1), uniform(rng, 0.75, 1)) };
}

/** A hue at least 60 degrees from `avoid` around the color wheel. */
export function distantHue(rng: Generator, avoid: number): number {
  return avoid + 60 + uniform(rng, 0, 240);
}

/** A muted color for the background, so that the saturated objects stand out from it. */
export function mutedColor(rng: Generator, minValue: number, maxValue: number): Rgb {
  return hsvToRgb(uniform(rng, 0, 360), uniform(rng, 0.05, 0.35), uniform(rng, minValue, maxValue));
}

/** A dark, nearly grey color for props (wires, guide lines, pins' shadows). */
export function darkColor(rng: Generator): Rgb {
  return hsvToRgb(uniform(rng, 0, 360), uniform(rng, 0, 0.3), uniform(rng, 0.12, 0.3));
}

/** Names for the hues of saturatedColor, so that a caption can say what color the object is. */
export type ColorName = 'red' | 'orange' | 'yellow' | 'green' | 'cyan' | 'blue' | 'purple' | 'magenta';

/**
 * Where each name's band of hues ends (degrees, exclusive), in order around the wheel; red also takes
 * everything from 345 up. The bands are uneven because hues are not seen evenly: green covers a wide arc
 * of them, yellow and cyan narrow ones.
 */
const HUE_BANDS: ReadonlyArray<[number, ColorName]> = [
  [15, 'red'], [40, 'orange'], [70, 'yellow'], [165, 'green'], [200, 'cyan'], [255, 'blue'], [285, 'purple'],
  [345, 'magenta'], [360, 'red'],
];

export const COLOR_NAMES: readonly ColorName[] = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'magenta'];

/** The everyday name of a hue in degrees (any real number; it is taken around the wheel). */
export function hueName(hue: number): ColorName {
  if (!Number.isFinite(hue)) throw new Error(`hueName: hue must be a finite number of degrees, got ${hue}`);
  const wrapped = ((hue % 360) + 360) % 360;
  return HUE_BANDS.find(([end]) => wrapped < end)![1];
}
