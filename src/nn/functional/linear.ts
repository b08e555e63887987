/** The fully connected layer's op: y = x Wᵀ + b. */
import { Tensor } from '../../tensor/tensor';
import { formatShape, numel } from '../../tensor/shape';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { assertFloat, assertTensor, empty } from '../../autograd/ops/util';

class Linear extends Function<[Tensor, Tensor]> {
  forward(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
    const [outF, inF] = w.shape;
    const rows = numel(x.shape.slice(0, -1));
    const out = empty([...x.shape.slice(0, -1), outF], x.dtype);
    // W is stored [out, in]: multiply by its transpose in place, no copy.
    kernel('gemm', x.dtype)({ transA: false, transB: true, m: rows, n: outF, k: inF, a: x.storage, b: w.storage, c: out.storage });
    // [rows, outF] is [n = rows, c = outF, volume = 1] to the per-channel bias kernel.
    if (b) kernel('channelBias', x.dtype)({ out: out.storage, bias: b.storage, n: rows, c: outF, volume: 1 });
    this.saveForBackward(x, w);
    return out;
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [x, w] = this.saved;
    const [needX, needW, needB] = this.needsInputGrad;
    const [outF, inF] = w.shape;
    const rows = numel(x.shape.slice(0, -1));
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (needX) {
      gx = empty(x.shape, g.dtype);
      kernel('gemm', g.dtype)({ transA: false, transB: false, m: rows, n: inF, k: outF, a: g.storage, b: w.storage, c: gx.storage });
    }
    if (needW) {
      gw = empty(w.shape, g.dtype);
      kernel('gemm', g.dtype)({ transA: true, transB: false, m: outF, n: inF, k: rows, a: g.storage, b: x.storage, c: gw.storage });
    }
    if (needB) {
      gb = empty([outF], g.dtype);
      // Not channelBiasBackward: that one sums in a JS number, this sum adds into gb's own dtype row by
      // row (reduce over dim 0), so a float32 gradient would change in its last bits.
      kernel('reduce', g.dtype)({ op: 'sum', x: g.storage, shape: [rows, outF], dims: [0], out: gb.storage });
    }
    return [gx, gw, gb];
  }
}

export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  assertTensor(x, 'linear', 'input');
  assertTensor(weight, 'linear', 'weight');
  assertFloat(x, 'linear', 'input');
  if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new Error(
      `linear: input ${formatShape(x.shape)} and weight ${formatShape(weight.shape)} do not fit; ` +
        'expected input [..., in] and weight [out, in]',
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias ${formatShape(bias.shape)} should be [${weight.shape[0]}]`);
  }
  if (x.dtype !== weight.dtype || (bias && bias.dtype !== x.dtype)) {
    throw new Error(`linear: input, weight and bias must share one dtype; got ${x.dtype}, ${weight.dtype}${bias ? `, ${bias.dtype}` : ''}`);
  }
  return applyFunction(new Linear(), [x, weight, bias]);
}
