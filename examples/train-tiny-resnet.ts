/**
 * nn + optim + checkpoints end to end, in a few seconds on a laptop: a tiny ResNet-18 learns to tell
 * horizontal stripes from vertical ones, with the paper's optimiser (Nesterov SGD, no weight decay on
 * BatchNorm and biases, warm-up then plateau), gradient clipping, and a checkpoint it resumes from.
 *
 *   npx ts-node examples/train-tiny-resnet.ts
 */
import os from 'os';
import path from 'path';
import fs from 'fs';
import { Tensor, tensor, manualSeed, noGrad, randn, F, nn, optim } from '../src';

/** Images [n, 3, size, size] of noisy stripes: label 0 horizontal, 1 vertical, at a random frequency and phase. */
function stripes(n: number, size: number): { images: Tensor; labels: Tensor } {
  const noise = randn([n, 3, size, size]);
  const pixels = new Float32Array(n * 3 * size * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const period = 3 + (i % 5);
    const phase = (i * 7) % period;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const along = labels[i] === 0 ? y : x;
          const at = ((i * 3 + c) * size + y) * size + x;
          pixels[at] = Math.sin((2 * Math.PI * (along + phase)) / period) + 0.5 * noise.data[at];
        }
      }
    }
  }
  return { images: tensor(pixels, { shape: [n, 3, size, size] }), labels: tensor(labels, { dtype: 'int32' }) };
}

function build(itersPerEpoch: number) {
  const model = nn.models.resnet({ depth: 18, width: 4, numClasses: 2 });
  const groups = optim.paramGroupsNoDecay(model.namedParameters(), 5e-4);
  const optimizer = new optim.SGD(groups, { lr: 0.05, momentum: 0.9, nesterov: true });
  const warmup = new optim.LinearLR(optimizer, { startFactor: 0.1, totalIters: itersPerEpoch });
  const plateau = new optim.ReduceLROnPlateau(optimizer, { factor: 0.1, patience: 2 });
  const scheduler = new optim.WarmupThenPlateau(warmup, plateau);
  return { model, optimizer, scheduler };
}

export interface TinyResNetResult {
  losses: number[];
  accuracy: number;
  resumedLosses: number[];
}

export function trainTinyResNet({ epochs = 5, batch = 16, size = 16, log = console.log } = {}): TinyResNetResult {
  manualSeed(0);
  const train = stripes(batch * 8, size);
  const valid = stripes(64, size);
  const itersPerEpoch = train.images.shape[0] / batch;
  const { model, optimizer, scheduler } = build(itersPerEpoch);
  const checkpoint = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-resnet-')), 'last.safetensors');

  const runEpoch = (m: typeof model, opt: typeof optimizer, sched: typeof scheduler): number => {
    m.train();
    let total = 0;
    for (let i = 0; i < itersPerEpoch; i++) {
      const x = train.images.slice(0, i * batch, (i + 1) * batch);
      const y = train.labels.slice(0, i * batch, (i + 1) * batch);
      const loss = F.crossEntropy(m.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      optim.clipGradNorm(m.parameters(), 20);
      opt.step();
      sched.step();
      total += loss.item();
    }
    return total / itersPerEpoch;
  };
  const evaluate = (m: typeof model): { loss: number; accuracy: number } =>
    noGrad(() => {
      m.eval();
      const logits = m.forward(valid.images);
      const predicted = logits.argmax(1);
      let correct = 0;
      for (let i = 0; i < predicted.numel(); i++) correct += predicted.data[i] === valid.labels.data[i] ? 1 : 0;
      return { loss: F.crossEntropy(logits, valid.labels).item(), accuracy: correct / predicted.numel() };
    });

  const losses: number[] = [];
  let accuracy = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    losses.push(runEpoch(model, optimizer, scheduler));
    const val = evaluate(model);
    accuracy = val.accuracy;
    scheduler.step(val.loss);
    optim.saveCheckpoint(checkpoint, { model, optimizer, scheduler, epoch, step: epoch * itersPerEpoch });
    log(`epoch ${epoch}: train loss ${losses[epoch - 1].toFixed(4)}, val loss ${val.loss.toFixed(4)}, ` +
      `val accuracy ${(100 * val.accuracy).toFixed(1)}%, lr ${optimizer.paramGroups[0].lr.toPrecision(3)}`);
  }

  // A fresh process would do this: build the same objects, load the last checkpoint, go on.
  const resumed = build(itersPerEpoch);
  const { epoch } = optim.loadCheckpoint(checkpoint, resumed);
  const resumedLosses = [runEpoch(resumed.model, resumed.optimizer, resumed.scheduler)];
  log(`resumed from epoch ${epoch}: next train loss ${resumedLosses[0].toFixed(4)}`);
  fs.rmSync(path.dirname(checkpoint), { recursive: true, force: true });
  return { losses, accuracy, resumedLosses };
}

if (require.main === module) trainTinyResNet();
