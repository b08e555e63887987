/**
 * What happens in each forward action: where the object is in every frame, and the pair's props.
 *
 * Every pair has a prop that never changes over time: a wire along the motion (horizontal for left/right,
 * vertical for up/down), perspective guide lines for closer/away, a turntable with a pin for turning, a
 * mat for appearing, the container for putting in. A prop looks the same in every frame, so it tells an
 * order-blind model which PAIR it sees; only the order of the frames tells the two members apart.
 *
 * Motion spans most of the video and most of the frame, so it survives an 87.5% crop.
 */
import type { Generator } from '../../../tensor/random';
import type { Sprite } from './canvas';
import type { SyntheticAction } from './classes';
import { darkColor, hsvToRgb, pick, saturatedColor, uniform } from './colors';
import { ASYMMETRIC_SHAPES, PLAIN_SHAPES, type ShapeKind } from './shapes';

export interface ScenePlan {
  /** Props drawn under the object, in every frame. */
  behind: Sprite[];
  /** Props drawn over the object, in every frame (the container's front wall hides what is inside). */
  inFront: Sprite[];
  /** The object in frame t (0-based) of the forward video. */
  objectAt(t: number): Sprite;
  /** The object's look, so the static distractor can be made to differ from it. */
  objectShape: ShapeKind;
  objectHue: number;
}

interface Frame {
  width: number;
  height: number;
  numFrames: number;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : t);

/**
 * Progress 0..1 of a motion at frame t: still for up to two frames at each end, eased in and out between.
 * Smoothstep is symmetric in time (1 - s(1 - p) = s(p)), so the reversed video moves in the same way.
 */
function motionProgress(rng: Generator, numFrames: number): (t: number) => number {
  let holdStart = rng.randint(3);
  let holdEnd = rng.randint(3);
  // Short videos give up hold frames so that the object moves during at least 60% of them.
  const minMovingFrames = Math.ceil((numFrames - 1) * 0.6);
  while (numFrames - 1 - holdStart - holdEnd < minMovingFrames && holdStart + holdEnd > 0) {
    if (holdStart >= holdEnd) holdStart--;
    else holdEnd--;
  }
  const start = holdStart;
  const end = numFrames - 1 - holdEnd;
  return (t) => {
    if (end <= start) return numFrames > 1 ? t / (numFrames - 1) : 1;
    const p = clamp01((t - start) / (end - start));
    return p * p * (3 - 2 * p);
  };
}

/** A straight bar through (x, y) at `angle`, long enough to cross the whole frame. */
function bar(frame: Frame, x: number, y: number, angle: number, halfThickness: number, rng: Generator): Sprite {
  const length = frame.width + frame.height;
  return { shape: 'bar', x, y, halfWidth: length, halfHeight: halfThickness, angle, color: darkColor(rng), opacity: 1 };
}

/** Half the thickness of wires and guide lines: about 3 px at 64 px, never under 1 px. */
const lineHalfThickness = (side: number) => Math.max(0.6, side * 0.025);

interface SceneObject {
  sprite: Sprite;
  hue: number;
}

/** An object of the given shape, a vivid color (with its hue), at a fixed orientation. */
function makeObject(rng: Generator, shapes: readonly ShapeKind[], x: number, y: number, half: number): SceneObject {
  const { hue, color } = saturatedColor(rng);
  const sprite: Sprite = {
    shape: pick(rng, shapes), x, y, halfWidth: half, halfHeight: half, angle: uniform(rng, 0, 2 * Math.PI), color, opacity: 1,
  };
  return { sprite, hue };
}

function plan(object: SceneObject, behind: Sprite[], inFront: Sprite[], change: (t: number) => Partial<Sprite>): ScenePlan {
  return {
    behind,
    inFront,
    objectAt: (t) => ({ ...object.sprite, ...change(t) }),
    objectShape: object.sprite.shape,
    objectHue: object.hue,
  };
}

/** Left to right along a horizontal wire. */
function moveRight(rng: Generator, frame: Frame): ScenePlan {
  const { width, height, numFrames } = frame;
  const side = Math.min(width, height);
  const y = height * uniform(rng, 0.3, 0.7);
  const object = makeObject(rng, PLAIN_SHAPES, 0, y, side * uniform(rng, 0.09, 0.15));
  const from = width * uniform(rng, 0.12, 0.3);
  const to = width * uniform(rng, 0.7, 0.88);
  const progress = motionProgress(rng, numFrames);
  const wire = bar(frame, width / 2, y, 0, lineHalfThickness(side), rng);
  return plan(object, [wire], [], (t) => ({ x: lerp(from, to, progress(t)) }));
}

/** Bottom to top along a vertical wire. */
function moveUp(rng: Generator, frame: Frame): ScenePlan {
  const { width, height, numFrames } = frame;
  const side = Math.min(width, height);
  const x = width * uniform(rng, 0.3, 0.7);
  const object = makeObject(rng, PLAIN_SHAPES, x, 0, side * uniform(rng, 0.09, 0.15));
  const from = height * uniform(rng, 0.7, 0.88);
  const to = height * uniform(rng, 0.12, 0.3);
  const progress = motionProgress(rng, numFrames);
  const wire = bar(frame, x, height / 2, Math.PI / 2, lineHalfThickness(side), rng);
  return plan(object, [wire], [], (t) => ({ y: lerp(from, to, progress(t)) }));
}

/** Grows from about 15% to about 45% of the frame, in front of two guide lines that cross behind it. */
function approach(rng: Generator, frame: Frame): ScenePlan {
  const { width, height, numFrames } = frame;
  const side = Math.min(width, height);
  const x = width * uniform(rng, 0.35, 0.65);
  const y = height * uniform(rng, 0.35, 0.65);
  const fromHalf = side * uniform(rng, 0.06, 0.09);
  const toHalf = side * uniform(rng, 0.2, 0.25);
  const object = makeObject(rng, PLAIN_SHAPES, x, y, fromHalf);
  const progress = motionProgress(rng, numFrames);
  const spread = uniform(rng, 0.4, 0.8);
  const guides = [
    bar(frame, x, y, spread, lineHalfThickness(side), rng),
    bar(frame, x, y, Math.PI - spread, lineHalfThickness(side), rng),
  ];
  return plan(object, guides, [], (t) => {
    const half = lerp(fromHalf, toHalf, progress(t));
    return { halfWidth: half, halfHeight: half };
  });
}

/** An asymmetric shape turns clockwise by 90 to 180 degrees on a turntable, pinned at its centre. */
function turnClockwise(rng: Generator, frame: Frame): ScenePlan {
  const { width, height, numFrames } = frame;
  const side = Math.min(width, height);
  const x = width * uniform(rng, 0.35, 0.65);
  const y = height * uniform(rng, 0.35, 0.65);
  const half = side * uniform(rng, 0.14, 0.19);
  const object = makeObject(rng, ASYMMETRIC_SHAPES, x, y, half);
  const startAngle = uniform(rng, 0, 2 * Math.PI);
  const sweep = uniform(rng, Math.PI / 2, Math.PI); // positive angles turn clockwise on screen
  const progress = motionProgress(rng, numFrames);
  const turntableRadius = half * 1.25;
  const turntable: Sprite = { shape: 'disc', x, y, halfWidth: turntableRadius, halfHeight: turntableRadius, angle: 0, color: darkColor(rng), opacity: 1 };
  const pinRadius = Math.max(0.8, side * 0.03);
  const pin: Sprite = { shape: 'disc', x, y, halfWidth: pinRadius, halfHeight: pinRadius, angle: 0, color: [235, 235, 235], opacity: 1 };
  return plan(object, [turntable], [pin], (t) => ({ angle: startAngle + sweep * progress(t) }));
}

/** Absent, then pops in or fades in over up to 3 frames, at a random frame in the middle half, on a mat. */
function appear(rng: Generator, frame: Frame): ScenePlan {
  const { width, height, numFrames } = frame;
  const side = Math.min(width, height);
  const half = side * uniform(rng, 0.1, 0.16);
  const object = makeObject(rng, PLAIN_SHAPES, width * uniform(rng, 0.25, 0.75), height * uniform(rng, 0.25, 0.7), half);
  const earliest = Math.floor(numFrames / 4);
  const latest = Math.max(earliest, Math.ceil((3 * numFrames) / 4) - 1);
  // The first frame is always empty and the last always shows the object (for any video of 2+ frames).
  const appearsAt = Math.min(numFrames - 1, Math.max(1, earliest + rng.randint(latest - earliest + 1)));
  const fadeFrames = Math.min(rng.randint(4), numFrames - 1 - appearsAt); // 0 = pops in
  const mat: Sprite = {
    shape: 'ellipse', x: object.sprite.x, y: object.sprite.y + half * 0.7, halfWidth: half * 1.6, halfHeight: half * 0.5,
    angle: 0, color: darkColor(rng), opacity: 1,
  };
  return plan(object, [mat], [], (t) => ({ opacity: clamp01((t - appearsAt + 1) / (fadeFrames + 1)) }));
}

/**
 * From above and to the side, over an open box, then down into it: the box's front wall is drawn over the
 * object, which is small enough to be hidden completely at the end.
 */
function putInto(rng: Generator, frame: Frame): ScenePlan {
  const { width, height, numFrames } = frame;
  const side = Math.min(width, height);
  const boxHalfWidth = side * uniform(rng, 0.17, 0.22);
  const boxHalfHeight = side * uniform(rng, 0.12, 0.16);
  const boxX = width * uniform(rng, 0.3, 0.7);
  const boxY = Math.min(height * uniform(rng, 0.62, 0.75), height - boxHalfHeight);
  // At most 0.7 of the box's smaller half-side, so even a rotated object's corners (x 1.41) stay behind the wall.
  const half = Math.min(boxHalfWidth, boxHalfHeight) * uniform(rng, 0.55, 0.7);
  const towardsRight = rng.random() < 0.5 ? -1 : 1;
  const startX = Math.min(width - half, Math.max(half, boxX + towardsRight * width * uniform(rng, 0.22, 0.35)));
  const startY = height * uniform(rng, 0.12, 0.25);
  const aboveY = boxY - boxHalfHeight - half * 1.2;
  const object = makeObject(rng, PLAIN_SHAPES, startX, startY, half);
  const progress = motionProgress(rng, numFrames);
  const boxColor = hsvToRgb(uniform(rng, 20, 45), uniform(rng, 0.4, 0.7), uniform(rng, 0.45, 0.7));
  const opening: Sprite = {
    shape: 'ellipse', x: boxX, y: boxY - boxHalfHeight, halfWidth: boxHalfWidth, halfHeight: boxHalfHeight * 0.4,
    angle: 0, color: darkColor(rng), opacity: 1,
  };
  const frontWall: Sprite = {
    shape: 'bar', x: boxX, y: boxY, halfWidth: boxHalfWidth, halfHeight: boxHalfHeight, angle: 0, color: boxColor, opacity: 1,
  };
  return plan(object, [opening], [frontWall], (t) => {
    // First half: across to above the opening; second half: straight down into the box.
    const p = progress(t);
    if (p < 0.5) return { x: lerp(startX, boxX, p * 2), y: lerp(startY, aboveY, p * 2) };
    return { x: boxX, y: lerp(aboveY, boxY, (p - 0.5) * 2) };
  });
}

const PLANNERS: Record<SyntheticAction, (rng: Generator, frame: Frame) => ScenePlan> = {
  'move-right': moveRight,
  'move-up': moveUp,
  approach,
  'turn-clockwise': turnClockwise,
  appear,
  'put-into': putInto,
};

export function planScene(action: SyntheticAction, rng: Generator, frame: Frame): ScenePlan {
  return PLANNERS[action](rng, frame);
}
