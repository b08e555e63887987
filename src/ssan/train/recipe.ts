/**
 * The paper's optimisation recipe (docs/model.md#training-recipe) as one object: Nesterov SGD with momentum 0.9,
 * weight decay 5e-4 on weights only (none on BatchNorm and biases), lr 0.01 for a batch of 64 clips scaled linearly
 * with the batch, a linear warm-up over the first epoch (0.1·lr to lr, per optimizer step), then lr x0.1 when
 * the validation loss stops improving (ReduceLROnPlateau), and the global gradient norm clipped at 20.
 * `decayEpochs`, empty in the paper's recipe, adds fixed x0.1 steps for runs too short for a plateau.
 */
import type { Module } from '../../nn/module';
import { SGD } from '../../optim/sgd';
import { paramGroupsNoDecay } from '../../optim/param-groups';
import { LinearLR } from '../../optim/lr-scheduler/linear-lr';
import { ReduceLROnPlateau } from '../../optim/lr-scheduler/reduce-lr-on-plateau';
import { WarmupThenPlateau } from '../../optim/lr-scheduler/warmup-then-plateau';
import { withoutUndefined } from '../../tensor/plain-values';

export interface TrainRecipe {
  /** Clips per forward pass. */
  batchSize: number;
  /** Forward passes whose gradients are summed into one optimizer step (the step's batch is batchSize x this). */
  accumulate: number;
  /** The learning rate; by default 0.01 x (batchSize x accumulate) / 64, the paper's linear scaling. */
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Epochs of linear warm-up from warmupStartFactor x lr (0 turns it off). */
  warmupEpochs: number;
  warmupStartFactor: number;
  /** ReduceLROnPlateau on the validation loss. */
  plateauFactor: number;
  plateauPatience: number;
  minLr: number;
  /**
   * Epochs (1-based) after which the lr is multiplied by plateauFactor whatever the validation loss did
   * (default none: the paper's plateau schedule alone). A run too short for a plateau to appear can
   * still end at a low lr instead of wherever the last epoch's noise left it.
   */
  decayEpochs: number[];
  /** Global L2 norm the gradients are clipped to; 0 turns clipping off. */
  clipGradNorm: number;
  /**
   * The attention blocks' parameters train at lr x this (default 1: one lr for all, as the paper).
   * A model trained from scratch on a short budget needs it larger: the temporal map's gradient is
   * a product of small weights, so at the shared lr it barely moves before the budget is spent.
   */
  attentionLrFactor: number;
}

/** The parameters that attentionLrFactor applies to: those of the blocks the backbones keep as `attention`. */
export function isAttentionParam(name: string): boolean {
  return name.includes('.attention.') || name.startsWith('attention.');
}

/** The paper's lr for an effective batch: 0.01 at 64 clips, linear in between. */
export function scaledLr(effectiveBatch: number): number {
  return (0.01 * effectiveBatch) / 64;
}

/**
 * The recipe with every field the paper (or, where it is silent, docs/model.md#training-recipe) fixes, for the given
 * batch.
 */
export function paperRecipe(overrides: Partial<TrainRecipe> = {}): TrainRecipe {
  const batchSize = overrides.batchSize ?? 64;
  const accumulate = overrides.accumulate ?? 1;
  const recipe: TrainRecipe = {
    batchSize,
    accumulate,
    lr: scaledLr(batchSize * accumulate),
    momentum: 0.9,
    nesterov: true,
    weightDecay: 5e-4,
    warmupEpochs: 1,
    warmupStartFactor: 0.1,
    plateauFactor: 0.1,
    plateauPatience: 5,
    minLr: 1e-5,
    decayEpochs: [],
    clipGradNorm: 20,
    attentionLrFactor: 1,
    ...withoutUndefined(overrides),
  };
  checkRecipe(recipe);
  return recipe;
}

function checkRecipe(r: TrainRecipe): void {
  const positiveInts: (keyof TrainRecipe)[] = ['batchSize', 'accumulate'];
  for (const key of positiveInts) {
    const v = r[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`paperRecipe: ${key} must be an integer >= 1; got ${v}`);
  }
  const positive: (keyof TrainRecipe)[] = ['lr', 'attentionLrFactor'];
  for (const key of positive) {
    const v = r[key] as number;
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`paperRecipe: ${key} must be a finite number > 0; got ${v}`);
  }
  const nonNegative: (keyof TrainRecipe)[] = ['momentum', 'weightDecay', 'warmupEpochs', 'minLr', 'clipGradNorm', 'plateauPatience'];
  for (const key of nonNegative) {
    const v = r[key] as number;
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`paperRecipe: ${key} must be a finite number >= 0; got ${v}`);
  }
  if (!(r.warmupStartFactor > 0 && r.warmupStartFactor <= 1)) {
    throw new Error(`paperRecipe: warmupStartFactor must be in (0, 1]; got ${r.warmupStartFactor}`);
  }
  if (!Array.isArray(r.decayEpochs) || !r.decayEpochs.every((e) => Number.isInteger(e) && e >= 1)) {
    throw new Error(`paperRecipe: decayEpochs must be a list of epoch numbers >= 1; got ${JSON.stringify(r.decayEpochs)}`);
  }
  if (!(r.plateauFactor > 0 && r.plateauFactor < 1)) throw new Error(`paperRecipe: plateauFactor must be in (0, 1); got ${r.plateauFactor}`);
}

/** The optimizer and the schedule the recipe describes, for a model and the optimizer steps in an epoch. */
export function buildOptimizer(model: Module, recipe: TrainRecipe, stepsPerEpoch: number): { optimizer: SGD; scheduler: WarmupThenPlateau } {
  const named = model.namedParameters();
  const attention = named.filter(([name]) => isAttentionParam(name));
  // With factor 1 the attention parameters stay in the shared groups, so the optimizer is the paper's.
  const groups = recipe.attentionLrFactor === 1 || attention.length === 0
    ? paramGroupsNoDecay(named, recipe.weightDecay)
    : [
      ...paramGroupsNoDecay(named.filter(([name]) => !isAttentionParam(name)), recipe.weightDecay),
      ...paramGroupsNoDecay(attention, recipe.weightDecay, { lr: recipe.lr * recipe.attentionLrFactor }),
    ];
  const optimizer = new SGD(groups, { lr: recipe.lr, momentum: recipe.momentum, nesterov: recipe.nesterov });
  // LinearLR needs at least one iteration; with warm-up off it starts at factor 1 and changes nothing.
  const warmupSteps = Math.max(1, Math.round(recipe.warmupEpochs * stepsPerEpoch));
  const warmup = new LinearLR(optimizer, {
    startFactor: recipe.warmupEpochs > 0 ? recipe.warmupStartFactor : 1,
    endFactor: 1,
    totalIters: warmupSteps,
  });
  const plateau = new ReduceLROnPlateau(optimizer, {
    mode: 'min', factor: recipe.plateauFactor, patience: recipe.plateauPatience, minLr: recipe.minLr,
  });
  return { optimizer, scheduler: new WarmupThenPlateau(warmup, plateau, { decayEpochs: recipe.decayEpochs }) };
}
