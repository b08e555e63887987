/**
 * Elementwise functions of one array and their gradients: neg, exp, log, sqrt, abs, sigmoid, tanh,
 * and clamp. ReLU has its own kernels (./elementwise), which the cpu backend accelerates.
 */
import type { TypedArray } from '../dtype';

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sigmoid' | 'tanh';

/** y = op(x), element by element (the arrays have the same length). */
export interface UnaryArgs {
  op: UnaryOp;
  x: TypedArray;
  y: TypedArray;
}

/** dx = g * op'(x), from the forward's input `x` and output `y` (each op reads the one it needs). */
export interface UnaryBackwardArgs {
  op: UnaryOp;
  x: TypedArray;
  y: TypedArray;
  g: TypedArray;
  dx: TypedArray;
}

/** y = x limited to [min, max]. */
export interface ClampArgs {
  x: TypedArray;
  y: TypedArray;
  min: number;
  max: number;
}

/** dx = g where min <= x <= max, else 0 (PyTorch's choice at the bounds). */
export interface ClampBackwardArgs {
  x: TypedArray;
  g: TypedArray;
  dx: TypedArray;
  min: number;
  max: number;
}

export function unary({ op, x: a, y }: UnaryArgs): void {
  const n = a.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -a[i]; break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(a[i]); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(a[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(a[i]); break;
    case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(a[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-a[i])); break;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(a[i]); break;
  }
}

export function unaryBackward({ op, x: a, y, g: gd, dx: d }: UnaryBackwardArgs): void {
  const n = d.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) d[i] = -gd[i]; break;
    case 'exp': for (let i = 0; i < n; i++) d[i] = gd[i] * y[i]; break;
    case 'log': for (let i = 0; i < n; i++) d[i] = gd[i] / a[i]; break;
    case 'sqrt': for (let i = 0; i < n; i++) d[i] = gd[i] / (2 * y[i]); break;
    case 'abs': for (let i = 0; i < n; i++) d[i] = gd[i] * Math.sign(a[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) d[i] = gd[i] * y[i] * (1 - y[i]); break;
    case 'tanh': for (let i = 0; i < n; i++) d[i] = gd[i] * (1 - y[i] * y[i]); break;
  }
}

export function clamp({ x: a, y, min, max }: ClampArgs): void {
  for (let i = 0; i < a.length; i++) y[i] = a[i] < min ? min : a[i] > max ? max : a[i];
}

export function clampBackward({ x: a, g, dx, min, max }: ClampBackwardArgs): void {
  for (let i = 0; i < a.length; i++) dx[i] = a[i] >= min && a[i] <= max ? g[i] : 0;
}
