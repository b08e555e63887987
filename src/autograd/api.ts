/**
 * autograd, as torch.autograd: Function for an op with its own backward (applyFunction runs one),
 * backward from several outputs at once, and gradcheck. The ops themselves are the top level's and the
 * tensor's methods; grad mode (noGrad, enableGrad, isGradEnabled) is at the top level, as in torch.
 */
export { Function, applyFunction } from './function';
export { backward } from './engine';
export { gradcheck } from './gradcheck';
export type { BackwardOptions } from './engine';
export type { GradcheckOptions } from './gradcheck';
