/**
 * The drawing surface of the synthetic renderer: float RGB pixels (0..255) in plain typed arrays, a
 * textured background, and flat-coloured sprites drawn with an opacity. Rendering is all pixel loops over
 * small bounding boxes, so a 16-frame 64x64 video takes about a millisecond.
 */
import type { Generator } from '../../../tensor/random';
import { type Rgb, mutedColor, uniform } from './colors';
import { SHAPES, type ShapeKind } from './shapes';

export interface FloatCanvas {
  width: number;
  height: number;
  /** RGB interleaved, row by row, in 0..255. */
  data: Float32Array;
}

export function createCanvas(width: number, height: number): FloatCanvas {
  return { width, height, data: new Float32Array(width * height * 3) };
}

/** One flat-coloured object, in scene pixels. */
export interface Sprite {
  shape: ShapeKind;
  /** Centre. */
  x: number;
  y: number;
  halfWidth: number;
  halfHeight: number;
  /** Radians; positive turns clockwise on screen, because y points down. */
  angle: number;
  color: Rgb;
  /** 0 = invisible, 1 = opaque. */
  opacity: number;
}

/**
 * Draws `sprite` with the scene shifted by (shiftX, shiftY): the camera jitter moves the whole scene by
 * the same offset, so sprites are drawn at their scene position minus the offset.
 */
export function drawSprite(canvas: FloatCanvas, sprite: Sprite, shiftX = 0, shiftY = 0): void {
  const { width, height, data } = canvas;
  const { halfWidth, halfHeight, opacity, color } = sprite;
  if (opacity <= 0 || halfWidth <= 0 || halfHeight <= 0) return;
  const inside = SHAPES[sprite.shape];
  const cx = sprite.x - shiftX;
  const cy = sprite.y - shiftY;
  const cos = Math.cos(sprite.angle), sin = Math.sin(sprite.angle);
  // The rotated box's extent: long thin bars only visit the pixels near them.
  const reachX = Math.abs(halfWidth * cos) + Math.abs(halfHeight * sin);
  const reachY = Math.abs(halfWidth * sin) + Math.abs(halfHeight * cos);
  const xStart = Math.max(0, Math.floor(cx - reachX)), xEnd = Math.min(width - 1, Math.ceil(cx + reachX));
  const yStart = Math.max(0, Math.floor(cy - reachY)), yEnd = Math.min(height - 1, Math.ceil(cy + reachY));
  const keep = 1 - opacity;
  const [r, g, b] = color;
  for (let y = yStart; y <= yEnd; y++) {
    const dy = y + 0.5 - cy;
    for (let x = xStart; x <= xEnd; x++) {
      const dx = x + 0.5 - cx;
      // Rotate the pixel back into the sprite's own frame.
      const u = (dx * cos + dy * sin) / halfWidth;
      const v = (dy * cos - dx * sin) / halfHeight;
      if (u < -1 || u > 1 || v < -1 || v > 1 || !inside(u, v)) continue;
      const p = (y * width + x) * 3;
      data[p] = data[p] * keep + r * opacity;
      data[p + 1] = data[p + 1] * keep + g * opacity;
      data[p + 2] = data[p + 2] * keep + b * opacity;
    }
  }
}

/** Copies the window of `source` whose top-left corner is (left, top) into `target` (same as its size). */
export function copyWindow(source: FloatCanvas, left: number, top: number, target: FloatCanvas): void {
  const rowLength = target.width * 3;
  for (let y = 0; y < target.height; y++) {
    const from = ((top + y) * source.width + left) * 3;
    target.data.set(source.data.subarray(from, from + rowLength), y * rowLength);
  }
}

/**
 * A random smooth texture between two muted colors: coarse random noise upsampled bilinearly, plus one
 * low-frequency stripe pattern, so the background has structure (a model must look for the objects) but no
 * edges as sharp as theirs.
 */
export function texturedBackground(rng: Generator, width: number, height: number): FloatCanvas {
  const dark = mutedColor(rng, 0.3, 0.5);
  const light = mutedColor(rng, 0.5, 0.75);
  const cells = 2 + rng.randint(4); // 2..5 noise cells across
  const grid = new Float64Array((cells + 1) * (cells + 1));
  for (let i = 0; i < grid.length; i++) grid[i] = rng.random();
  const stripeAngle = uniform(rng, 0, Math.PI);
  const stripeFrequency = (uniform(rng, 1, 3) * 2 * Math.PI) / Math.max(width, height);
  const stripePhase = uniform(rng, 0, 2 * Math.PI);
  const stripeWeight = uniform(rng, 0.1, 0.35);
  const fx = Math.cos(stripeAngle) * stripeFrequency, fy = Math.sin(stripeAngle) * stripeFrequency;

  const canvas = createCanvas(width, height);
  const { data } = canvas;
  for (let y = 0; y < height; y++) {
    const gy = (y / Math.max(1, height - 1)) * cells;
    const row = Math.min(cells - 1, Math.floor(gy));
    const ty = gy - row;
    for (let x = 0; x < width; x++) {
      const gx = (x / Math.max(1, width - 1)) * cells;
      const col = Math.min(cells - 1, Math.floor(gx));
      const tx = gx - col;
      const i = row * (cells + 1) + col;
      const top = grid[i] * (1 - tx) + grid[i + 1] * tx;
      const bottom = grid[i + cells + 1] * (1 - tx) + grid[i + cells + 2] * tx;
      const noise = top * (1 - ty) + bottom * ty;
      const stripe = 0.5 + 0.5 * Math.sin(fx * x + fy * y + stripePhase);
      const t = noise * (1 - stripeWeight) + stripe * stripeWeight;
      const p = (y * width + x) * 3;
      data[p] = dark[0] + (light[0] - dark[0]) * t;
      data[p + 1] = dark[1] + (light[1] - dark[1]) * t;
      data[p + 2] = dark[2] + (light[2] - dark[2]) * t;
    }
  }
  return canvas;
}
