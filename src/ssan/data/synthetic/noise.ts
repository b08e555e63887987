/**
 * Per-pixel sensor noise. A 64x64 video needs ~200k Gaussian samples; drawing each from the seeded
 * Generator (alea + Box-Muller) would dominate the render time, so the noise comes from a 32-bit xorshift
 * stream, seeded from the Generator (so still repeatable from the video's seed), indexing a fixed table of
 * Gaussian samples.
 */
import { Generator } from '../../../tensor/random';
import type { FloatCanvas } from './canvas';

const TABLE_BITS = 12;

/** Standard normal samples, the same in every run. */
const GAUSSIAN_TABLE: Float32Array = (() => {
  const table = new Float32Array(1 << TABLE_BITS);
  new Generator('synthetic-sth pixel noise').fillNormal(table);
  return table;
})();

export class PixelNoise {
  private state: number;

  constructor(rng: Generator) {
    // xorshift must not start at zero.
    this.state = Math.floor(rng.random() * 0xffffffff) | 0 || 0x2545f491;
  }

  /** Adds N(0, std²) noise to every channel of `canvas` and rounds to 8-bit RGB. */
  toRgb8(canvas: FloatCanvas, std: number): Uint8Array {
    const { data } = canvas;
    const out = new Uint8Array(data.length);
    let s = this.state;
    for (let i = 0; i < data.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const value = data[i] + std * GAUSSIAN_TABLE[s >>> (32 - TABLE_BITS)] + 0.5;
      out[i] = value <= 0 ? 0 : value >= 255 ? 255 : value; // Uint8Array truncates: +0.5 made it round
    }
    this.state = s;
    return out;
  }
}
