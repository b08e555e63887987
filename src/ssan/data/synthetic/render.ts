/**
 * renderSyntheticVideo: one synthetic Something-Something clip as RGB frames.
 *
 * A clip is a textured background, the pair's static prop, a static distractor object and the moving
 * object, seen through a camera that shakes by a pixel or two every frame, with sensor noise on top.
 */
import type { Generator } from '../../../tensor/random';
import type { RgbImage } from '../types';
import { type FloatCanvas, type Sprite, copyWindow, createCanvas, drawSprite, texturedBackground } from './canvas';
import { SYNTHETIC_CLASSES, type SyntheticAction, syntheticClassAction } from './classes';
import { type ColorName, distantHue, hueName, pick, saturatedColor, uniform } from './colors';
import { PixelNoise } from './noise';
import { type ScenePlan, planScene } from './scenes';
import { PLAIN_SHAPES, type ShapeKind } from './shapes';

export interface SyntheticVideoSize {
  width: number;
  height: number;
  numFrames: number;
}

/** Standard deviation of the per-pixel noise, in 8-bit levels (~3% of the range). */
const NOISE_STD = 8;

/** A static object of another shape and color, somewhere in the frame, that a model must learn to ignore. */
function distractor(rng: Generator, width: number, height: number, avoidShape: string, avoidHue: number): Sprite {
  const side = Math.min(width, height);
  const half = side * uniform(rng, 0.07, 0.12);
  const shape = pick(rng, PLAIN_SHAPES.filter((s) => s !== avoidShape));
  const { color } = saturatedColor(rng, distantHue(rng, avoidHue));
  return {
    shape, x: width * uniform(rng, 0.1, 0.9), y: height * uniform(rng, 0.1, 0.9),
    halfWidth: half, halfHeight: half, angle: uniform(rng, 0, 2 * Math.PI), color, opacity: 1,
  };
}

function checkSize({ width, height, numFrames }: SyntheticVideoSize): void {
  for (const [name, value] of [['width', width], ['height', height], ['numFrames', numFrames]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`renderSyntheticVideo: ${name} must be a positive integer, got ${value}`);
    }
  }
}

/** What a video shows, for captions: the moving object's look and the class it acts out. */
export interface SyntheticSceneDescription {
  classIndex: number;
  className: string;
  action: SyntheticAction;
  /** True for the odd member of a pair, whose frames are the forward action's played backwards. */
  reversed: boolean;
  /** The moving object's silhouette. */
  shape: ShapeKind;
  /** Its hue in degrees, and that hue's everyday name. */
  hue: number;
  color: ColorName;
}

/** The random draws every video starts with, in their fixed order: background texture, then the scene. */
interface VideoStart {
  action: SyntheticAction;
  reversed: boolean;
  maxShake: number;
  background: FloatCanvas;
  scene: ScenePlan;
}

/**
 * The first draws of a video, shared by the renderer and describeSyntheticVideo so that both take the
 * same values from the same generator: a description can never disagree with the frames.
 */
function startVideo(classIndex: number, rng: Generator, size: SyntheticVideoSize): VideoStart {
  const { action, reversed } = syntheticClassAction(classIndex);
  checkSize(size);
  const { width, height, numFrames } = size;
  // Camera shake of up to 1 px at 64 px (2 px at 128): enough that no pixel is static, small beside the
  // object's motion between sampled frames (a few px), which is what an order-aware model must see.
  const maxShake = Math.max(1, Math.round(Math.min(width, height) / 64));
  const background = texturedBackground(rng, width + 2 * maxShake, height + 2 * maxShake);
  const scene = planScene(action, rng, { width, height, numFrames });
  return { action, reversed, maxShake, background, scene };
}

/**
 * What renderSyntheticVideo(classIndex, rng, size) would show, from the same generator state. Only the
 * draws before the frames are made (the background's texture is painted too, a few thousand pixels, the
 * price of sharing one code path with the renderer).
 */
export function describeSyntheticVideo(classIndex: number, rng: Generator, size: SyntheticVideoSize): SyntheticSceneDescription {
  const { action, reversed, scene } = startVideo(classIndex, rng, size);
  return {
    classIndex, className: SYNTHETIC_CLASSES[classIndex], action, reversed,
    shape: scene.objectShape, hue: scene.objectHue, color: hueName(scene.objectHue),
  };
}

/**
 * Renders class `classIndex` of SYNTHETIC_CLASSES, drawing every random choice from `rng`.
 *
 * Only the forward member of each pair is ever rendered: the reversed member (odd class index) is the
 * very same frames in reverse order, from the same random draws. So for a given rng state the two classes
 * differ in frame order and nothing else, and an order-blind model is exactly at chance within a pair.
 */
export function renderSyntheticVideo(classIndex: number, rng: Generator, size: SyntheticVideoSize): RgbImage[] {
  const { reversed, maxShake, background, scene } = startVideo(classIndex, rng, size);
  const { width, height, numFrames } = size;
  const still = distractor(rng, width, height, scene.objectShape, scene.objectHue);
  const noise = new PixelNoise(rng);

  // Everything under the object is static, and the shake moves the whole scene by whole pixels, so the
  // static layers are drawn once into the oversized background and each frame starts from a window of it.
  drawSprite(background, still, -maxShake, -maxShake);
  for (const prop of scene.behind) drawSprite(background, prop, -maxShake, -maxShake);

  const canvas = createCanvas(width, height);
  const frames: RgbImage[] = [];
  for (let t = 0; t < numFrames; t++) {
    const shiftX = rng.randint(2 * maxShake + 1) - maxShake;
    const shiftY = rng.randint(2 * maxShake + 1) - maxShake;
    copyWindow(background, maxShake + shiftX, maxShake + shiftY, canvas);
    drawSprite(canvas, scene.objectAt(t), shiftX, shiftY);
    for (const prop of scene.inFront) drawSprite(canvas, prop, shiftX, shiftY);
    frames.push({ width, height, data: noise.toRgb8(canvas, NOISE_STD) });
  }
  return reversed ? frames.reverse() : frames;
}
