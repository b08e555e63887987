/**
 * Whole training steps (forward, cross-entropy, backward, Nesterov SGD), the numbers that decide how
 * long training takes, against PyTorch building the same models (scripts/ssan_reference.py and
 * torchvision). Four models:
 *
 * - `step-mainjob`: the main job's model, exactly as examples/train-sth.ts builds it on the synthetic
 *   set (SYNTHETIC_RUN through buildModel): SSAN on ResNet-18 at width 16, a batch of 8 clips of 8
 *   frames of 40x40, 12 classes. Small enough to be bound by per-op overhead, not by the products.
 * - `step-resnet50-112`: torchvision's ResNet-50 as an image classifier, 8 images of 112x112.
 * - `step-tsn-r50-224`, `step-ssan-r50-224`: the paper's input, one clip of 8 frames of 224x224, on TSN
 *   and on SSAN (A_odd placement). Several seconds a step on 2 cores: these take three samples (and
 *   the warm-up) whatever the budget, a few steps each, rather than the budget's one.
 *
 * Run alone: npx ts-node bench/train-step.ts (the per-op breakdown of one step is bench/step-profile.ts).
 */
import { BenchCase, Proxy } from './case';
import { TrainStepSpec } from './spec';
import { SYNTHETIC_RUN } from '../examples/synthetic-run';
import { SYNTHETIC_CLASSES } from '../src/ssan/data/synthetic/classes';

/** examples/train-sth.ts gives every new run a batch of 8 clips (recipe.batchSize), the synthetic one included. */
export const MAIN_JOB_BATCH = 8;

/**
 * The paper's optimizer settings (docs/model.md#training-recipe), at learning rate 0. The update still does all of its
 * arithmetic (weight decay, momentum buffer, Nesterov, the parameter update), but leaves the
 * parameters as they were, so every timed step computes on the same values. With a real lr the fixed
 * batch is memorised within a step or two: the loss reaches 0, the gradients underflow into subnormal
 * floats, and both libraries slow down 10-100x (PyTorch's SSAN ResNet-50 step went from about 4 s to
 * 100 s, ours to 20 s), which times the floating-point unit's slow path, not the framework.
 */
const SGD = { lr: 0, momentum: 0.9, weightDecay: 5e-4 };

const c = SYNTHETIC_RUN.config;
export const MAIN_JOB_STEP: TrainStepSpec = {
  kind: 'trainStep',
  arch: 'ssan',
  depth: c.depth,
  width: c.width,
  clips: MAIN_JOB_BATCH,
  segments: c.numSegments,
  size: c.crop,
  numClasses: SYNTHETIC_CLASSES.length,
  dropout: c.dropout,
  attnScale: c.attnScale ?? 'len',
  ...SGD,
};

/** ResNet-50 and the TSN/SSAN models on it at torchvision's width and the paper's dropout. */
const r50 = (arch: TrainStepSpec['arch'], clips: number, segments: number, size: number, numClasses: number): TrainStepSpec => ({
  kind: 'trainStep', arch, depth: 50, width: 64, clips, segments, size, numClasses,
  dropout: arch === 'resnet' ? 0 : 0.5, attnScale: 'len', ...SGD,
});

/** Something-Something V1's 174 classes for the video models, ImageNet's 1000 for the classifier. */
const resnet50 = r50('resnet', 8, 1, 112, 1000);
const tsn50 = r50('tsn', 1, 8, 224, 174);
const ssan50 = r50('ssan', 1, 8, 224, 174);

/**
 * The plain TypeScript backend (and gpu.js on the CPU) would take minutes per ResNet-50 step: they time
 * frames of half the height and width, a quarter of the work, the layers and the batch kept.
 */
const halfFrames = (spec: TrainStepSpec): Proxy => ({
  spec: { ...spec, size: spec.size / 2 },
  runners: ['ts', 'gpu'],
  why: 'the ts and gpu backends would take minutes per step at full size; frames of half the height and width',
});

/**
 * Steps of seconds would be timed once each within the default budget; three steps and their median
 * keep one step slowed by another process (or a GC) out of the figure.
 */
const SLOW_STEP_SAMPLES = 3;

export const cases: BenchCase[] = [
  { id: 'step-mainjob', group: 'train-step', title: "Training step: the main job's model", spec: MAIN_JOB_STEP },
  {
    id: 'step-resnet50-112', group: 'train-step', title: 'Training step: ResNet-50, 8 x 112x112',
    spec: resnet50, proxy: halfFrames(resnet50), minSamples: SLOW_STEP_SAMPLES,
  },
  {
    id: 'step-tsn-r50-224', group: 'train-step', title: 'Training step: TSN ResNet-50, 1 x 8 x 224x224',
    spec: tsn50, proxy: halfFrames(tsn50), minSamples: SLOW_STEP_SAMPLES,
  },
  {
    id: 'step-ssan-r50-224', group: 'train-step', title: 'Training step: SSAN ResNet-50, 1 x 8 x 224x224',
    spec: ssan50, proxy: halfFrames(ssan50), minSamples: SLOW_STEP_SAMPLES,
  },
];

// The runner is loaded only when this file is run, so importing the case list (as tests do) stays light.
if (require.main === module) void import('./run').then((run) => run.runAsScript('train-step', cases));
