/** Reading the charts back: a PNG decoded, and where a given colour lies in it. */
import { PNG } from 'pngjs';

export interface Picture {
  width: number;
  height: number;
  /** [x, y] of every pixel of exactly this colour ('#rrggbb'). */
  pixelsOf(colour: string): [number, number][];
}

export function decodePng(bytes: Uint8Array): Picture {
  const image = PNG.sync.read(Buffer.from(bytes));
  return {
    width: image.width,
    height: image.height,
    pixelsOf(colour: string): [number, number][] {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
      const found: [number, number][] = [];
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          const i = (y * image.width + x) * 4;
          if (image.data[i] === r && image.data[i + 1] === g && image.data[i + 2] === b) found.push([x, y]);
        }
      }
      return found;
    },
  };
}

/** Pixels grouped into runs of consecutive rows (a horizontal bar, a row of cells), top to bottom, with their extent. */
export function rowBands(pixels: [number, number][]): { top: number; bottom: number; left: number; right: number }[] {
  const bands: { top: number; bottom: number; left: number; right: number }[] = [];
  const sorted = [...pixels].sort((p, q) => p[1] - q[1]);
  for (const [x, y] of sorted) {
    const band = bands[bands.length - 1];
    if (band !== undefined && y <= band.bottom + 1) {
      band.bottom = y;
      band.left = Math.min(band.left, x);
      band.right = Math.max(band.right, x);
    } else {
      bands.push({ top: y, bottom: y, left: x, right: x });
    }
  }
  return bands;
}
