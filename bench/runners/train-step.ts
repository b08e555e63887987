/**
 * One training step of a whole model on this project's framework, as the training loop takes it
 * (src/ssan/train/fit.ts): forward in training mode, mean cross-entropy, backward, optimizer step. Its
 * phases are separate functions so that bench/step-profile.ts can attribute time to each.
 *
 * The optimizer is one Nesterov SGD over every parameter, weight decay included (the recipe's groups
 * spare BatchNorm and biases; that changes a multiply per element of a few small tensors, not the
 * step's time), so that PyTorch's side is the same plain torch.optim.SGD.
 */
import { F, Tensor, manualSeed, nn, randn, tensor } from '../../src';
import type { Module } from '../../src/nn/module';
import { SGD } from '../../src/optim/sgd';
import { buildModel } from '../../src/ssan/train/experiment';
import { TrainStepSpec } from '../spec';
import { Prepared } from './runner';

export interface TrainStep {
  model: Module & { forward(x: Tensor): Tensor };
  optimizer: SGD;
  /** The gradients set to none, the forward pass and the loss. */
  forward(): Tensor;
  backward(loss: Tensor): void;
  update(): void;
  /** All three, one step. */
  step(): void;
}

/** Fixed labels spread over the classes: every step does the same work whatever they are. */
export function stepLabels(batch: number, numClasses: number): Tensor {
  return tensor(Int32Array.from({ length: batch }, (_, i) => (i * 7) % numClasses));
}

export function buildStepModel(s: TrainStepSpec): TrainStep['model'] {
  if (s.arch === 'resnet') {
    if (s.segments !== 1) throw new Error(`bench trainStep: a 'resnet' step classifies images; segments must be 1, got ${s.segments}`);
    return nn.models.resnet({ depth: s.depth, width: s.width, numClasses: s.numClasses });
  }
  // The experiment's own builder, so the main job's model is built exactly as examples/train-sth.ts
  // builds it; the transform fields only matter to the data loaders.
  return buildModel({
    arch: s.arch, depth: s.depth, width: s.width, numClasses: s.numClasses, numSegments: s.segments,
    dropout: s.dropout, attnScale: s.attnScale, aug: 'paper', resize: s.size, crop: s.size, flip: false,
  });
}

export function buildTrainStep(s: TrainStepSpec): TrainStep {
  manualSeed(0);
  const model = buildStepModel(s);
  model.train();
  const optimizer = new SGD(model.parameters(), {
    lr: s.lr, momentum: s.momentum, nesterov: true, weightDecay: s.weightDecay,
  });
  const x = s.arch === 'resnet' ? randn([s.clips, 3, s.size, s.size]) : randn([s.clips, s.segments, 3, s.size, s.size]);
  const labels = stepLabels(s.clips, s.numClasses);
  const parts = {
    model,
    optimizer,
    forward: () => {
      optimizer.zeroGrad();
      return F.crossEntropy(model.forward(x), labels);
    },
    backward: (loss: Tensor) => loss.backward(),
    update: () => optimizer.step(),
  };
  const step = () => {
    const loss = parts.forward();
    parts.backward(loss);
    parts.update();
  };
  return { ...parts, step };
}

export function prepareTrainStep(s: TrainStepSpec): Prepared {
  const step = buildTrainStep(s);
  return { call: step.step };
}
