/**
 * The main job: train and evaluate SSAN (or a baseline) on a Something-Something-format dataset.
 *
 *   npx ts-node examples/train-sth.ts                 # synthetic set, small SSAN, a few minutes on a laptop
 *   npx ts-node examples/train-sth.ts --help          # every option
 *   npx ts-node examples/train-sth.ts --data /data/sthv1 --format sthv1 --depth 50 --width 64 --batch 8 --accumulate 8
 *
 * With no --data it generates the synthetic set once (data/synthetic-sth), whose classes come in pairs
 * that are time-reversals of each other, and trains a reduced SSAN (ResNet-18, width 16, 40x40 crops):
 * order-aware models learn it, frame-averaging ones (TSN) cannot pass about 50%.
 */
import path from 'path';
import { parseArgs } from 'util';
import { manualSeed, nn } from '../src';
import { ARCHS } from '../src/ssan/models/create-model';
import { DATA_FORMATS } from '../src/ssan/data/open-split';
import { openTrainVal } from '../src/ssan/train/datasets';
import {
  buildModel, evalLoader, ExperimentConfig, PAPER_CONFIG, readRunSettings, RunSettings, trainLoader,
} from '../src/ssan/train/experiment';
import { withoutUndefined } from '../src/ssan/train/without-undefined';
import { type TrainRecipe, fit, formatPercent, paperRecipe, runFiles } from '../src/ssan/train';
import { choiceOption, intOption, positiveOption } from './cli-args';
import { SYNTHETIC_RUN } from './synthetic-run';

const USAGE = `Train and evaluate SSAN on a Something-Something-format dataset.

usage: npx ts-node examples/train-sth.ts [options]

With no --data, a synthetic Something-Something set is generated once into data/synthetic-sth and a
small SSAN is trained on it (ResNet-${SYNTHETIC_RUN.config.depth}, width ${SYNTHETIC_RUN.config.width}, ${SYNTHETIC_RUN.config.crop}x${SYNTHETIC_RUN.config.crop} crops, ${SYNTHETIC_RUN.epochs} epochs).

data
  --data DIR         dataset root (the layouts are in the README)
  --format F         ${DATA_FORMATS.join(' | ')} (default sthv1)
model
  --arch A           ${ARCHS.join(' | ')} (default ssan)
  --depth D          ResNet depth 18 | 34 | 50 | 101 (default 50; 18 on the synthetic set)
  --width W          ResNet base width (default 64; ${SYNTHETIC_RUN.config.width} on the synthetic set)
  --segments T       frames per clip (default 8)
  --attn-scale S     attention score scale len | none | dot (default len; ${SYNTHETIC_RUN.config.attnScale} on the synthetic set)
  --attn-init-std S  initial weight spread of the attention blocks' convs (default 0.01; ${SYNTHETIC_RUN.config.attnInitStd} on the synthetic set)
  --pretrained FILE  ImageNet ResNet weights (safetensors with torchvision's names) for the backbone
input
  --resize N         frames resized to N x N (default 256)
  --crop N           crop side (default 224)
training (the paper's recipe: Nesterov SGD, weight decay 5e-4, warm-up, plateau, clip 20)
  --epochs N         (default 80; ${SYNTHETIC_RUN.epochs} on the synthetic set)
  --batch N          clips per forward pass (default 8)
  --accumulate N     forward passes per optimizer step (default 8 with real data: 64 clips, the paper's batch)
  --lr LR            learning rate (default 0.01 x batch x accumulate / 64${SYNTHETIC_RUN.recipe.lr ? `; ${SYNTHETIC_RUN.recipe.lr} on the synthetic set` : ''})
  --attn-lr-factor F the attention blocks train at lr x F (default 1; ${SYNTHETIC_RUN.recipe.attentionLrFactor} on the synthetic set)
  --seed N           seed of initialisation, sampling and dropout (default 0)
  --workers N        frame-decoding threads (default 1)
  --out DIR          checkpoints and metrics.jsonl (default runs/<dataset>-<arch>)
  --resume           continue the run in --out exactly where it stopped
  --help             this text
`;

function parse() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' }, format: { type: 'string' }, arch: { type: 'string' }, depth: { type: 'string' },
      width: { type: 'string' }, segments: { type: 'string' }, 'attn-scale': { type: 'string' },
      'attn-init-std': { type: 'string' }, 'attn-lr-factor': { type: 'string' }, pretrained: { type: 'string' },
      resize: { type: 'string' }, crop: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' },
      accumulate: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' },
      out: { type: 'string' }, resume: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  return values;
}

async function main(): Promise<void> {
  const args = parse();
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = (line: string) => console.log(line);
  const started = performance.now();
  // Numeric flags are checked before the data is opened (or the synthetic set generated).
  const lrFlag = positiveOption(args.lr, 'lr');
  const attentionLrFlag = positiveOption(args['attn-lr-factor'], 'attn-lr-factor');
  const attnInitStd = positiveOption(args['attn-init-std'], 'attn-init-std');
  const splits = openTrainVal({ root: args.data, format: choiceOption(args.format, 'format', DATA_FORMATS), log });
  const base: { config: Omit<ExperimentConfig, 'numClasses'>; recipe: Partial<TrainRecipe>; epochs: number } =
    splits.synthetic ? SYNTHETIC_RUN : { config: PAPER_CONFIG, recipe: { accumulate: 8 }, epochs: 80 };

  const config: ExperimentConfig = {
    ...base.config,
    numClasses: splits.train.classes.length,
    ...withoutUndefined({
      arch: choiceOption(args.arch, 'arch', ARCHS),
      depth: args.depth === undefined ? undefined : (Number(choiceOption(args.depth, 'depth', ['18', '34', '50', '101'] as const)) as ExperimentConfig['depth']),
      width: intOption(args.width, 'width', 1),
      numSegments: intOption(args.segments, 'segments', 1),
      attnScale: choiceOption(args['attn-scale'], 'attn-scale', ['len', 'none', 'dot'] as const),
      attnInitStd,
      resize: intOption(args.resize, 'resize', 1),
      crop: intOption(args.crop, 'crop', 1),
    }),
  };
  const batchSize = intOption(args.batch, 'batch', 1) ?? 8;
  const accumulate = intOption(args.accumulate, 'accumulate', 1) ?? base.recipe.accumulate ?? 1;
  const lr = lrFlag ?? base.recipe.lr;
  const attentionLrFactor = attentionLrFlag ?? base.recipe.attentionLrFactor;
  const wanted: RunSettings = {
    config,
    recipe: paperRecipe({ ...base.recipe, batchSize, accumulate, lr, attentionLrFactor }),
    epochs: intOption(args.epochs, 'epochs') ?? base.epochs,
    seed: intOption(args.seed, 'seed') ?? 0,
    data: { root: path.resolve(splits.root), format: splits.format },
  };
  const outDir = args.out ?? path.join('runs', `${splits.synthetic ? 'synthetic' : path.basename(splits.root)}-${config.arch}`);
  const run = args.resume ? resumedSettings(outDir, wanted, args) : wanted;

  manualSeed(run.seed);
  const model = buildModel(run.config);
  if (args.pretrained && !args.resume) {
    const { keptInit, skipped } = model.loadBackbone(nn.safetensors.loadSafetensors(args.pretrained).tensors);
    log(`loaded ${args.pretrained}: backbone from ImageNet, ${keptInit.length} attention tensors keep their initialisation, skipped ${skipped.join(', ') || 'nothing'}`);
  }
  const loaderSettings = { batchSize: run.recipe.batchSize, seed: run.seed, workers: intOption(args.workers, 'workers') ?? 1, onWarning: (m: string) => log(`warning: ${m}`) };
  const train = trainLoader(splits.train, run.config, loaderSettings);
  const val = evalLoader(splits.val, run.config, loaderSettings);
  const c = run.config;
  log(`${c.arch} on ResNet-${c.depth} (width ${c.width}), ${c.numClasses} classes, T = ${c.numSegments}, ${c.crop}x${c.crop} crops; ` +
    `${splits.train.records.length} train / ${splits.val.records.length} val videos; batch ${run.recipe.batchSize} x ${run.recipe.accumulate}, ` +
    `lr ${run.recipe.lr}, ${run.epochs} epochs; output in ${outDir}`);
  try {
    const result = await fit({
      model, train, val, numClasses: c.numClasses, recipe: run.recipe, epochs: run.epochs, outDir,
      resume: args.resume ?? false, config: run, log,
    });
    const minutes = (performance.now() - started) / 60000;
    const last = result.history[result.history.length - 1];
    const files = runFiles(outDir);
    if (result.status === 'interrupted') {
      log(`stopped; continue with: npx ts-node examples/train-sth.ts --out ${outDir} --resume`);
      return;
    }
    log('');
    log(`done in ${minutes.toFixed(1)} min. Best validation top-1 ${formatPercent(result.best?.valTop1)} (epoch ${result.best?.epoch}); ` +
      (last ? `last epoch: top-1 ${formatPercent(last.valTop1)}, top-5 ${formatPercent(last.valTop5)}, loss ${last.valLoss.toFixed(4)}` : 'no epoch ran in this call'));
    if (last) {
      log('per-class top-1 in the last epoch:');
      splits.val.classes.forEach((name, k) => log(`  ${formatPercent(last.perClassTop1[k]).padStart(6)}  ${name}`));
    }
    log(`checkpoints: ${files.last}, ${files.best}; metrics: ${files.metrics}`);
  } finally {
    await Promise.all([train.close(), val.close()]);
  }
}

/** On --resume the run's settings come from its checkpoint; a flag that contradicts them is an error. */
function resumedSettings(outDir: string, wanted: RunSettings, args: ReturnType<typeof parse>): RunSettings {
  const saved = readRunSettings(runFiles(outDir).last, '--resume');
  const given: [string | undefined, unknown, unknown][] = [
    [args.arch, wanted.config.arch, saved.config.arch], [args.depth, wanted.config.depth, saved.config.depth],
    [args.width, wanted.config.width, saved.config.width], [args.segments, wanted.config.numSegments, saved.config.numSegments],
    [args.batch, wanted.recipe.batchSize, saved.recipe.batchSize], [args.lr, wanted.recipe.lr, saved.recipe.lr],
    [args.seed, wanted.seed, saved.seed], [args.crop, wanted.config.crop, saved.config.crop],
    [args['attn-init-std'], wanted.config.attnInitStd, saved.config.attnInitStd],
    [args['attn-lr-factor'], wanted.recipe.attentionLrFactor, saved.recipe.attentionLrFactor],
  ];
  for (const [flag, mine, theirs] of given) {
    if (flag !== undefined && mine !== theirs) {
      throw new Error(`--resume: the run in ${outDir} was trained with ${JSON.stringify(theirs)} where this command says ${JSON.stringify(mine)}; drop the flag to continue it`);
    }
  }
  return { ...saved, epochs: args.epochs === undefined ? saved.epochs : wanted.epochs };
}

main().catch((err) => {
  console.error(`train-sth: ${(err as Error).message}`);
  process.exitCode = 1;
});
