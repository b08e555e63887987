/**
 * Object silhouettes as inside-tests in the object's own frame: (u, v) in [-1, 1]², u to the right and v
 * down before rotation. Each fits its box, so a sprite's half-width and half-height bound what it covers.
 */

export type ShapeKind =
  | 'disc' | 'square' | 'triangle' | 'cross' | 'ring' | 'ellipse' | 'bar'
  | 'ell' | 'arrow' | 'notched-disc';

type InsideTest = (u: number, v: number) => boolean;

export const SHAPES: Readonly<Record<ShapeKind, InsideTest>> = {
  disc: (u, v) => u * u + v * v <= 1,
  // The drawn ellipse is a disc stretched by the sprite's half-width and half-height.
  ellipse: (u, v) => u * u + v * v <= 1,
  // Fills its whole box: wires, guide lines, the container's wall.
  bar: () => true,
  square: (u, v) => u >= -0.85 && u <= 0.85 && v >= -0.85 && v <= 0.85,
  // Apex up, base along the bottom edge.
  triangle: (u, v) => v <= 0.9 && Math.abs(u) <= (v + 1) / 1.9,
  cross: (u, v) => (Math.abs(u) <= 0.33 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.33 && Math.abs(u) <= 1),
  ring: (u, v) => {
    const r2 = u * u + v * v;
    return r2 <= 1 && r2 >= 0.3;
  },
  // The three below look different after any rotation, so turning them is visible.
  ell: (u, v) => (u >= -1 && u <= -0.3 && v >= -1 && v <= 1) || (v >= 0.35 && v <= 1 && u >= -1 && u <= 1),
  arrow: (u, v) => (u >= -1 && u <= 0.1 && Math.abs(v) <= 0.28) || (u > 0.1 && u <= 1 && Math.abs(v) <= (1 - u) * 1.1),
  'notched-disc': (u, v) => u * u + v * v <= 1 && !(u > 0 && Math.abs(v) < u * 0.7),
};

/** Shapes for objects that move, appear or go into a container (any silhouette will do). */
export const PLAIN_SHAPES: readonly ShapeKind[] = ['disc', 'square', 'triangle', 'cross', 'ring'];

/** Shapes for objects that turn: no rotational symmetry, so every angle looks different. */
export const ASYMMETRIC_SHAPES: readonly ShapeKind[] = ['ell', 'arrow', 'notched-disc'];
