/**
 * The usual split of a model's parameters for weight decay: decay the weight matrices and convolution
 * kernels, but not the 1-D parameters (biases, BatchNorm / LayerNorm scales and shifts). Decaying those
 * pulls normalisation scales toward zero and biases toward the origin, which regularises nothing useful
 * and is known to hurt; most training recipes (TSN's included) therefore exempt them.
 */
import { Tensor } from '../tensor/tensor';

/** A named parameter, as `module.namedParameters()` yields it (`[name, tensor]`), or as `{ name, tensor }`. */
export type NamedParameter = readonly [string, Tensor] | { readonly name: string; readonly tensor: Tensor };

export interface ParamGroupsNoDecayOptions {
  /** A learning rate for both groups; when absent they take the optimizer's default. */
  lr?: number;
  /** Which parameters get no decay; by default those with fewer than 2 dims (biases, norm layers). */
  skipDecay?: (name: string, param: Tensor) => boolean;
}

/** A parameter group ready for an optimizer's constructor. */
export interface DecayParamGroup {
  params: Tensor[];
  weightDecay: number;
  lr?: number;
}

/** The default rule: vectors (and scalars) are biases or normalisation parameters. */
export function isNoDecayParam(_name: string, param: Tensor): boolean {
  return param.ndim < 2;
}

/**
 * Two parameter groups from named parameters: `[{ params: decayed, weightDecay }, { params: exempt,
 * weightDecay: 0 }]`, in the order the parameters come. Frozen parameters (requiresGrad false) are left
 * out, and a tensor listed twice (shared weights) is kept once. Either group may be empty.
 *
 *   const opt = new SGD(paramGroupsNoDecay(model.namedParameters(), 5e-4), { lr: 0.01, momentum: 0.9 });
 */
export function paramGroupsNoDecay(
  namedParams: Iterable<NamedParameter>,
  weightDecay: number,
  opts: ParamGroupsNoDecayOptions = {},
): [DecayParamGroup, DecayParamGroup] {
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
    throw new Error(`paramGroupsNoDecay: weightDecay must be a finite number >= 0; got ${weightDecay}`);
  }
  const skipDecay = opts.skipDecay ?? isNoDecayParam;
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const item of namedParams) {
    const [name, param] = Array.isArray(item) ? item : [(item as { name: string }).name, (item as { tensor: Tensor }).tensor];
    if (!(param instanceof Tensor)) {
      throw new Error(`paramGroupsNoDecay: parameter '${String(name)}' is not a Tensor; expected [name, tensor] or { name, tensor }`);
    }
    if (!param.requiresGrad || seen.has(param)) continue;
    seen.add(param);
    (skipDecay(name, param) ? noDecay : decay).push(param);
  }
  const lr = opts.lr === undefined ? {} : { lr: opts.lr };
  return [
    { params: decay, weightDecay, ...lr },
    { params: noDecay, weightDecay: 0, ...lr },
  ];
}
