/**
 * GRU: a multi-layer gated recurrent unit, as torch.nn.GRU, with PyTorch's equations and parameter names.
 *
 * Shapes (L sequence length, N batch, D = 2 if bidirectional else 1, H hiddenSize):
 *   input  [L, N, inputSize]  ([N, L, inputSize] with batchFirst; unbatched [L, inputSize])
 *   h0     [D * numLayers, N, H]  (unbatched [D * numLayers, H]; zeros when omitted; never batch-first)
 *   output [L, N, D * H]  ([N, L, D * H] with batchFirst; unbatched [L, D * H]): the last layer's states
 *   hN     [D * numLayers, N, H]: each layer and direction's final state, layer-major (l0, l0_reverse, l1...)
 *
 * One step, gates stacked r, z, n in the rows of the weights:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Why the input projection is hoisted: W_i· x + b_i· does not depend on h, so for each layer and
 * direction it is one [L·N, in] × [in, 3H] product (a single large GEMM, through F.linear) instead of L
 * small ones inside the loop. Only W_h· h must wait for the previous step. That recurrence is one
 * Function (GRURecurrence) with a hand-written backward through time: one GEMM per step each way, and
 * no per-step graph nodes; a slice of the projection per step would give every step a backward that
 * scatters into a full [L, N, 3H] gradient, quadratic in L.
 */
import { Tensor } from '../../tensor/tensor';
import { formatShape } from '../../tensor/shape';
import { zeros } from '../../tensor/creation';
import { kernel } from '../../tensor/registry';
import { Function, applyFunction } from '../../autograd/function';
import { empty } from '../../autograd/ops/util';
import { cat, reshape, slice, transpose, unsqueeze } from '../../autograd/ops/shape';
import { linear } from '../functional/linear';
import { dropout as dropoutFn } from '../functional/activation';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { uniform } from '../init';
import { formatFloat } from '../repr';

export interface GRUOptions {
  /** Features of each input step. */
  inputSize: number;
  /** Features of the hidden state (H). */
  hiddenSize: number;
  /** Stacked GRUs, each reading the previous one's output sequence (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, L, features] instead of [L, N, features] (default false; h0 / hN unaffected). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output but the last's, in training only (default 0). */
  dropout?: number;
  /** Run a second GRU over the reversed sequence and concatenate its states (default false). */
  bidirectional?: boolean;
}

/**
 * The recurrence of one layer and direction: from the hoisted input projection xProj [L, N, 3H] (b_ih
 * included), the initial state h0 [N, H], W_hh [3H, H] and b_hh [3H] (or null), every state [L, N, H],
 * time-aligned (a reverse direction's state at t has read steps t..L-1).
 */
class GRURecurrence extends Function<[Tensor, Tensor, Tensor, Tensor, Tensor]> {
  constructor(private readonly reverse: boolean) {
    super();
  }

  forward(xProj: Tensor, h0: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
    const [L, N, G] = xProj.shape;
    const H = G / 3;
    const dtype = xProj.dtype;
    const out = empty([L, N, H], dtype);
    // Saved for backward: the gates r, z, n of each step, and W_hn h + b_hn (n's derivative in r needs it).
    const gates = empty([L, N, G], dtype);
    const hn = empty([L, N, H], dtype);
    const gh = empty([N, G], dtype).data;
    const x = xProj.data, o = out.data, gs = gates.data, hs = hn.data, w = wHh.data;
    const b = bHh ? bHh.data : null;
    const gemm = kernel('gemm', dtype), cell = kernel('gruCell', dtype);
    let prev = h0.data;
    let prevOffset = 0;
    for (let s = 0; s < L; s++) {
      const t = this.reverse ? L - 1 - s : s;
      // gh = h Wᵀ_hh: [N, H] x [H, 3H].
      gemm({ transA: false, transB: true, m: N, n: G, k: H, a: prev, aOffset: prevOffset, b: w, c: gh });
      cell({
        n: N, h: H, x, xOffset: t * N * G, gh, bias: b, prev, prevOffset, out: o, outOffset: t * N * H, gates: gs, hn: hs,
      });
      prev = o;
      prevOffset = t * N * H;
    }
    this.saveForBackward(h0, wHh, out, gates, hn);
    return out;
  }

  backward(g: Tensor): (Tensor | null)[] {
    const [h0, wHh, out, gates, hn] = this.saved;
    const [needX, needH0, needW, needB] = this.needsInputGrad;
    const [L, N, H] = out.shape;
    const G = 3 * H, NH = N * H;
    const dtype = g.dtype;
    const gemm = kernel('gemm', dtype), cellBackward = kernel('gruCellBackward', dtype);
    // dA: the gradient of the gates' pre-activations from the input side [dr, dz, dn] (= d xProj);
    // dGh: from the hidden side [dr, dz, r ⊙ dn] (= d (W_hh h + b_hh)), both per time step.
    const dA = empty([L, N, G], dtype);
    const dGh = empty([L, N, G], dtype);
    let dh = empty([N, H], dtype).data; // d loss / d state after the current step
    let dPrev = empty([N, H], dtype).data;
    const gd = g.data, gs = gates.data, hs = hn.data, o = out.data, h0d = h0.data;
    const da = dA.data, dgh = dGh.data;
    for (let s = L - 1; s >= 0; s--) {
      const t = this.reverse ? L - 1 - s : s;
      const prev = s === 0 ? h0d : o;
      const prevOffset = s === 0 ? 0 : (this.reverse ? t + 1 : t - 1) * NH;
      cellBackward({
        n: N, h: H, dh, g: gd, gates: gs, hn: hs, xOffset: t * N * G, outOffset: t * NH, prev, prevOffset, da, dgh, dPrev,
      });
      // The state also reached this step's gates through W_hh: dPrev += dGh[t] W_hh ([N, 3H] x [3H, H]).
      gemm({ transA: false, transB: false, m: N, n: H, k: G, a: dgh, aOffset: t * N * G, b: wHh.data, c: dPrev, accumulate: true });
      [dh, dPrev] = [dPrev, dh];
    }
    let dW: Tensor | null = null;
    let dB: Tensor | null = null;
    if (needW) {
      // All steps at once: dW_hh = Σ_t dGh[t]ᵀ h_prev[t], with the states before each step laid out by t.
      const before = empty([L, N, H], dtype).data;
      if (this.reverse) {
        before.set(o.subarray(NH, L * NH), 0);
        before.set(h0d, (L - 1) * NH);
      } else {
        before.set(h0d, 0);
        before.set(o.subarray(0, (L - 1) * NH), NH);
      }
      dW = empty([G, H], dtype);
      gemm({ transA: true, transB: false, m: G, n: H, k: L * N, a: dgh, b: before, c: dW.data });
    }
    if (needB) {
      dB = empty([G], dtype);
      kernel('reduce', dtype)({ op: 'sum', x: dgh, shape: [L * N, G], dims: [0], out: dB.data });
    }
    const dH0 = needH0 ? new Tensor(dh, [N, H]) : null;
    return [needX ? dA : null, dH0, dW, dB];
  }
}

export class GRU extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(opts: GRUOptions) {
    super();
    if (opts === null || typeof opts !== 'object') {
      throw new Error(`GRU: expected an options object { inputSize, hiddenSize, ... }; got ${opts === null ? 'null' : typeof opts}`);
    }
    const { inputSize, hiddenSize, numLayers = 1, bias = true, batchFirst = false, dropout = 0, bidirectional = false } = opts;
    for (const [name, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize], ['numLayers', numLayers]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`GRU: ${name} must be a positive integer; got ${v}`);
    }
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new Error(`GRU: dropout must be a number in [0, 1]; got ${dropout}`);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    // Registration order is PyTorch's, so stateDict() lists the keys as torch does.
    const D = this.numDirections;
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : D * hiddenSize;
      for (let dir = 0; dir < D; dir++) {
        const suffix = GRU.suffix(layer, dir);
        this.registerParameter(`weight_ih${suffix}`, new Parameter(zeros([3 * hiddenSize, layerInput])));
        this.registerParameter(`weight_hh${suffix}`, new Parameter(zeros([3 * hiddenSize, hiddenSize])));
        if (bias) {
          this.registerParameter(`bias_ih${suffix}`, new Parameter(zeros([3 * hiddenSize])));
          this.registerParameter(`bias_hh${suffix}`, new Parameter(zeros([3 * hiddenSize])));
        }
      }
    }
    this.resetParameters();
  }

  private static suffix(layer: number, dir: number): string {
    return `_l${layer}${dir === 1 ? '_reverse' : ''}`;
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** PyTorch's default: every parameter from U(±1/sqrt(hiddenSize)), in registration order. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform(p, -bound, bound);
  }

  /**
   * The parameters of each layer and direction, [weight_ih, weight_hh, bias_ih, bias_hh] (the biases
   * left out without bias), as PyTorch's all_weights. Looked up by name each time: module.to() replaces them.
   */
  get allWeights(): Parameter[][] {
    const out: Parameter[][] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.numDirections; dir++) {
        const names = this.bias ? ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] : ['weight_ih', 'weight_hh'];
        out.push(names.map((n) => this.param(`${n}${GRU.suffix(layer, dir)}`)));
      }
    }
    return out;
  }

  private param(name: string): Parameter {
    return (this as unknown as Record<string, Parameter>)[name];
  }

  /** Returns [output, hN]; see the top of this file for the shapes. */
  forward(input: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    const { hiddenSize: H, numLayers } = this;
    const D = this.numDirections;
    const states = D * numLayers;
    if (!(input instanceof Tensor)) throw new Error(`GRU: expected the input to be a Tensor; got ${input === null ? 'null' : typeof input}`);
    const layout = this.batchFirst ? '[N, L, inputSize]' : '[L, N, inputSize]';
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(
        `GRU: expected input ${layout} (or unbatched [L, inputSize]) with inputSize ${this.inputSize}; got shape ${formatShape(input.shape)}`,
      );
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(
        `GRU: input's last dim must be inputSize ${this.inputSize}; got shape ${formatShape(input.shape)} ` +
          `(expected ${input.ndim === 2 ? '[L, inputSize]' : layout})`,
      );
    }
    const unbatched = input.ndim === 2;
    const timeDim = unbatched || !this.batchFirst ? 0 : 1;
    if (input.shape[timeDim] === 0) {
      throw new Error(`GRU: expected a sequence length larger than 0; got input of shape ${formatShape(input.shape)}`);
    }
    const weights = this.allWeights;
    const dtype = weights[0][0].dtype;
    if (input.dtype !== dtype) {
      throw new Error(
        `GRU: input is ${input.dtype} but the parameters are ${dtype}; convert one (gru.to('${input.dtype}') or input.to('${dtype}'))`,
      );
    }
    // Work in [L, N, features] throughout.
    let x = unbatched ? unsqueeze(input, 1) : this.batchFirst ? transpose(input, 0, 1) : input;
    const [L, N] = x.shape;
    let h: Tensor;
    if (h0 === null) {
      h = zeros([states, N, H], { dtype });
    } else {
      if (!(h0 instanceof Tensor)) throw new Error(`GRU: expected h0 to be a Tensor or null; got ${typeof h0}`);
      const expected = unbatched ? [states, H] : [states, N, H];
      if (h0.ndim !== expected.length || h0.shape.some((s, i) => s !== expected[i])) {
        throw new Error(
          `GRU: expected h0 of shape ${formatShape(expected)} ([numDirections * numLayers, ${unbatched ? '' : 'N, '}hiddenSize] ` +
            `for ${unbatched ? 'unbatched' : 'batched'} input ${formatShape(input.shape)}); got ${formatShape(h0.shape)}`,
        );
      }
      if (h0.dtype !== dtype) throw new Error(`GRU: h0 is ${h0.dtype} but the parameters are ${dtype}`);
      h = unbatched ? unsqueeze(h0, 1) : h0;
    }

    const finals: Tensor[] = [];
    for (let layer = 0; layer < numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const index = layer * D + dir;
        const [wIh, wHh, bIh = null, bHh = null] = weights[index];
        const xProj = linear(x, wIh, bIh); // [L, N, 3H], every step in one GEMM
        const hInit = reshape(states === 1 ? h : slice(h, 0, index, index + 1), [N, H]);
        const seq = applyFunction(new GRURecurrence(dir === 1), [xProj, hInit, wHh, bHh]);
        outputs.push(seq);
        // The final state: the last step forward, the first one in reverse.
        finals.push(dir === 0 ? slice(seq, 0, L - 1, L) : slice(seq, 0, 0, 1));
      }
      x = D === 1 ? outputs[0] : cat(outputs, 2);
      if (layer < numLayers - 1) x = dropoutFn(x, this.dropout, this.training);
    }
    const hN = finals.length === 1 ? finals[0] : cat(finals, 0);
    if (unbatched) {
      return [reshape(x, [L, D * H]), reshape(hN, [states, H])];
    }
    return [this.batchFirst ? transpose(x, 0, 1) : x, hN];
  }

  extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${formatFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=True';
    return s;
  }
}
