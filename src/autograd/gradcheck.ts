/**
 * gradcheck: compares the gradients backward computes with central finite differences, element by
 * element of the full Jacobian, as torch.autograd.gradcheck. Use float64 inputs: in float32 the
 * differences drown in rounding.
 */
import { Tensor } from '../tensor/tensor';
import { formatShape, stridesOf } from '../tensor/shape';
import { noGrad } from './grad-mode';
import { backward } from './engine';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw an Error describing the worst mismatch (default); false returns false instead. */
  raiseException?: boolean;
}

type Outputs = Tensor | Tensor[];

function asList(out: Outputs): Tensor[] {
  return Array.isArray(out) ? out : [out];
}

function multiIndex(flat: number, shape: readonly number[]): string {
  const strides = stridesOf(shape);
  return `[${shape.map((_, d) => Math.floor(flat / strides[d]) % shape[d]).join(', ')}]`;
}

export function gradcheck(fn: (...inputs: Tensor[]) => Outputs, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const checked = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
    if (t.requiresGrad && t.dtype !== 'float64') {
      throw new Error(`gradcheck: input ${i} is ${t.dtype}; finite differences need float64 inputs`);
    }
    return t.requiresGrad;
  });
  if (!checked.some(Boolean)) throw new Error('gradcheck: no input requires grad; nothing to check');

  // Numerical Jacobian, one input element at a time: column (input i, element j) over all outputs.
  const evaluate = (): Float64Array[] => noGrad(() => asList(fn(...inputs)).map((o) => Float64Array.from(o.data)));
  const numerical: Float64Array[][][] = inputs.map((t, i) => {
    if (!checked[i]) return [];
    const columns: Float64Array[][] = [];
    for (let j = 0; j < t.numel(); j++) {
      const original = t.data[j];
      t.data[j] = original + eps;
      const plus = evaluate();
      t.data[j] = original - eps;
      const minus = evaluate();
      t.data[j] = original;
      columns.push(plus.map((p, k) => p.map((v, o) => (v - minus[k][o]) / (2 * eps))));
    }
    return columns;
  });

  // Analytic Jacobian, one output element at a time: a backward pass seeded with a one-hot gradient.
  const savedGrads = inputs.map((t) => t.grad);
  const outputs = asList(fn(...inputs));
  let worst: { excess: number; message: string } | null = null;
  try {
    outputs.forEach((out, k) => {
      for (let o = 0; o < out.numel(); o++) {
        inputs.forEach((t) => (t.grad = null));
        if (out.requiresGrad) {
          const seed = new Tensor(new Float64Array(out.numel()), out.shape);
          seed.data[o] = 1;
          backward(out, seed, { retainGraph: true });
        }
        inputs.forEach((t, i) => {
          if (!checked[i]) return;
          for (let j = 0; j < t.numel(); j++) {
            const analytic = t.grad ? t.grad.data[j] : 0;
            const expected = numerical[i][j][k][o];
            const excess = Math.abs(analytic - expected) - (atol + rtol * Math.abs(expected));
            if (!(excess <= 0) && (worst === null || excess > worst.excess || Number.isNaN(excess))) {
              worst = {
                excess,
                message:
                  `gradcheck: d output ${k}${multiIndex(o, out.shape)} / d input ${i}${multiIndex(j, t.shape)}: ` +
                  `analytic ${analytic} vs numerical ${expected} (atol ${atol}, rtol ${rtol}; ` +
                  `output shape ${formatShape(out.shape)}, input shape ${formatShape(t.shape)})`,
              };
            }
          }
        });
      }
    });
  } finally {
    inputs.forEach((t, i) => (t.grad = savedGrads[i]));
  }
  if (worst === null) return true;
  if (opts.raiseException === false) return false;
  throw new Error((worst as { message: string }).message);
}
