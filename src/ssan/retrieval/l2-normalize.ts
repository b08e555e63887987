/** L2 normalisation along one dim, as torch.nn.functional.normalize (p = 2): x / max(‖x‖, eps). */
import { Tensor } from '../../tensor/tensor';

/**
 * x divided by its Euclidean norm along `dim` (default the last), the norm floored at `eps` so that a
 * zero vector stays zero instead of dividing by zero.
 *
 * Composed from differentiable ops. The floor is put on the squared norm (clamp at eps², then sqrt,
 * which equals max(‖x‖, eps)): clamping after the sqrt would send 0 · ∞ = NaN back through sqrt for a
 * zero vector, where PyTorch's norm backward gives 0. Below the floor the gradient through the norm is
 * zero in both, as clamp_min passes none.
 */
export function l2Normalize(x: Tensor, dim = -1, eps = 1e-12): Tensor {
  const squaredNorm = x.mul(x).sum(dim, true);
  return x.div(squaredNorm.clamp(eps * eps).sqrt());
}
