/**
 * The synthetic dataset's classes, Something-Something style. They come in pairs (forward, reversed): the
 * reversed member of a pair is rendered as exactly the frames of the forward member in reverse order, so a
 * model that ignores frame order (TSN averages per-frame scores) can find the pair but is at chance within
 * it, while a model that reasons over time can tell the two apart.
 */

/** Class names; index = label. Even indices are forward members, the odd index after each is its reversal. */
export const SYNTHETIC_CLASSES: readonly string[] = Object.freeze([
  'Moving something from left to right',
  'Moving something from right to left',
  'Moving something up',
  'Moving something down',
  'Moving something closer to the camera',
  'Moving something away from the camera',
  'Turning something clockwise',
  'Turning something anticlockwise',
  'Something appearing',
  'Something disappearing',
  'Putting something into something',
  'Taking something out of something',
]);

/** The actions behind the pairs, in the order of SYNTHETIC_CLASSES (pair k = classes 2k and 2k + 1). */
export type SyntheticAction = 'move-right' | 'move-up' | 'approach' | 'turn-clockwise' | 'appear' | 'put-into';

export const SYNTHETIC_ACTIONS: readonly SyntheticAction[] = Object.freeze([
  'move-right', 'move-up', 'approach', 'turn-clockwise', 'appear', 'put-into',
] as SyntheticAction[]);

/** The forward action a class is rendered from, and whether its frames are then played backwards. */
export function syntheticClassAction(classIndex: number): { action: SyntheticAction; reversed: boolean } {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= SYNTHETIC_CLASSES.length) {
    throw new Error(
      `syntheticClassAction: class index must be an integer from 0 to ${SYNTHETIC_CLASSES.length - 1}, got ${classIndex}`,
    );
  }
  return { action: SYNTHETIC_ACTIONS[classIndex >> 1], reversed: classIndex % 2 === 1 };
}
