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
import fs from 'fs';
import path from 'path';
import { getBackend, manualSeed, nn, optim, setBackend, ssan, train } from '../src';
import { formatPercent } from './percent';
import {
  applySettings, asFlag, checkNewRun, contradictions, flagHelp, given, newOnResume, parseFlags, ParsedFlags,
} from './train-sth-flags';
import { SYNTHETIC_RUN } from './synthetic-run';
import { CURVES_FILE, curvesAfterEachEpoch } from './epoch-curves';

const {
  buildModel, dataChanges, describeData, evalLoader, openRunData, openTrainVal, PAPER_CONFIG, readRunSettings, trainLoader, fit, paperRecipe,
} = ssan.train;
const { readCheckpointInfo } = optim;
const { runFiles, existingRunFiles } = train;
type ExperimentConfig = ssan.train.ExperimentConfig;
type RunSettings = ssan.train.RunSettings;
type TrainRecipe = ssan.train.TrainRecipe;

const USAGE = `Train and evaluate SSAN on a Something-Something-format dataset.

usage: npx ts-node examples/train-sth.ts [options]

With no --data, a synthetic Something-Something set is generated once into data/synthetic-sth and a
small SSAN is trained on it (ResNet-${SYNTHETIC_RUN.config.depth}, width ${SYNTHETIC_RUN.config.width}, ${SYNTHETIC_RUN.config.crop}x${SYNTHETIC_RUN.config.crop} crops, ${SYNTHETIC_RUN.epochs} epochs).

${flagHelp()}

--resume takes the dataset and every setting from the run's checkpoint, so \`--out DIR --resume\` is enough;
any other flag that contradicts them is an error.
`;

async function main(): Promise<void> {
  // Every flag is checked before any data is read (or the synthetic set generated).
  const flags = parseFlags(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = (line: string) => console.log(line);
  const started = performance.now();
  const dataFlag = given(flags, 'data.root');
  const outDir = flags.out ?? path.join('runs', `${dataFlag === undefined ? 'synthetic' : path.basename(dataFlag)}-${given(flags, 'config.arch') ?? 'ssan'}`);
  checkOutDir(outDir, flags);
  if (!flags.resume) checkNewRun(flags);

  const { run, splits } = flags.resume ? resumedRun(outDir, flags, log) : newRun(flags, log);

  setBackend(flags.backend ?? 'auto');
  log(`kernels: the ${getBackend().name} backend (${getBackend().describe()})`);
  manualSeed(run.seed);
  const model = buildModel(run.config);
  if (run.pretrained && !flags.resume) {
    const { keptInit, skipped } = model.loadBackbone(nn.safetensors.loadSafetensors(run.pretrained).tensors);
    log(`loaded ${run.pretrained}: backbone from ImageNet, ${keptInit.length} attention tensors keep their initialisation, skipped ${skipped.join(', ') || 'nothing'}`);
  }
  const loaderSettings = { batchSize: run.recipe.batchSize, seed: run.seed, workers: flags.workers ?? 1, onWarning: (m: string) => log(`warning: ${m}`) };
  const train = trainLoader(splits.train, run.config, loaderSettings);
  const val = evalLoader(splits.val, run.config, loaderSettings);
  const c = run.config;
  log(`${c.arch} on ResNet-${c.depth} (width ${c.width}), ${c.numClasses} classes, T = ${c.numSegments}, ${c.crop}x${c.crop} crops; ` +
    `${splits.train.records.length} train / ${splits.val.records.length} val videos in ${run.data.root}; batch ${run.recipe.batchSize} x ${run.recipe.accumulate}, ` +
    `lr ${run.recipe.lr}, ${run.epochs} epochs; output in ${outDir}`);
  try {
    const result = await fit({
      model, train, val, numClasses: c.numClasses, recipe: run.recipe, epochs: run.epochs, outDir,
      resume: flags.resume, overwrite: flags.overwrite, config: run, log,
      onEpochEnd: curvesAfterEachEpoch(outDir, log),
    });
    const minutes = (performance.now() - started) / 60000;
    const last = result.history[result.history.length - 1];
    const files = runFiles(outDir);
    if (result.status === 'interrupted') {
      // The checkpoint records the dataset and every setting, so these two flags are all a resume needs.
      log(`stopped; continue with: npx ts-node examples/train-sth.ts --out ${shellWord(outDir)} --resume`);
      // As a program stopped by SIGINT would: a script that runs this knows the training did not finish.
      process.exitCode = 130;
      return;
    }
    log('');
    log(`done in ${minutes.toFixed(1)} min. Best validation top-1 ${formatPercent(result.best?.valTop1)} (epoch ${result.best?.epoch}); ` +
      (last ? `last epoch: top-1 ${formatPercent(last.valTop1)}, top-5 ${formatPercent(last.valTop5)}, loss ${last.valLoss.toFixed(4)}` : 'no epoch ran in this call'));
    if (last) {
      log('per-class top-1 in the last epoch:');
      splits.val.classes.forEach((name, k) => log(`  ${formatPercent(last.perClassTop1[k]).padStart(6)}  ${name}`));
    }
    const curves = path.join(outDir, CURVES_FILE);
    log(`checkpoints: ${files.last}, ${files.best}; metrics: ${files.metrics}` + (fs.existsSync(curves) ? `; training curves: ${curves}` : ''));
  } finally {
    await Promise.all([train.close(), val.close()]);
  }
}

/** What --out, --resume and --overwrite ask of the output folder, checked before any data is read. */
function checkOutDir(outDir: string, flags: ParsedFlags): void {
  if (flags.resume && flags.overwrite) {
    throw new Error(`--resume and --overwrite contradict each other: --resume continues the run in ${outDir}, --overwrite replaces it`);
  }
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) {
    throw new Error(`--out ${outDir} is a file; --out names the run's folder (created when missing)`);
  }
  // What makes a folder hold a run is fit's rule (existingRunFiles); checked here too, before the data is read.
  const files = runFiles(outDir);
  const existing = fs.existsSync(outDir) ? existingRunFiles(files).map((f) => path.basename(f)) : [];
  if (!flags.resume && !flags.overwrite && existing.length > 0) {
    throw new Error(`--out ${outDir} holds a run (${existing.join(', ')}); continue it with --resume, or replace it with --overwrite`);
  }
  if (flags.resume && !existing.includes(path.basename(files.last))) {
    throw new Error(`--resume: there is no run to continue in ${outDir} (` +
      (!fs.existsSync(outDir) ? 'no such folder); start the run without --resume'
        : existing.length === 0 ? `no ${path.basename(files.last)} in it); start the run without --resume`
          : `only ${existing.join(', ')}: it stopped before saving ${path.basename(files.last)}); start it again with --overwrite`));
  }
}

/** A new run: the data named by the flags, the defaults for it, and every given flag on top. */
function newRun(flags: ParsedFlags, log: (line: string) => void) {
  const splits = openTrainVal({ root: given(flags, 'data.root'), format: given(flags, 'data.format'), log });
  const base: { config: Omit<ExperimentConfig, 'numClasses'>; recipe: Partial<TrainRecipe>; epochs: number } =
    splits.synthetic ? SYNTHETIC_RUN : { config: PAPER_CONFIG, recipe: { accumulate: 8 }, epochs: 80 };
  const draft = {
    config: { ...base.config, numClasses: splits.train.classes.length },
    recipe: { ...base.recipe, batchSize: 8 },
    epochs: base.epochs,
    seed: 0,
    data: describeData(splits),
  };
  // The data record is what was opened (the flags named it; describeData adds its sizes).
  applySettings(draft, flags.settings.filter((s) => !s.flag.setting.startsWith('data.')));
  // The recipe's lr defaults to the one scaled with the batch, so it is filled in after --batch and --accumulate.
  const run: RunSettings = { ...draft, recipe: paperRecipe(draft.recipe) };
  return { run, splits };
}

/**
 * A resumed run: the settings saved in its checkpoint, on the dataset it recorded. A flag that
 * contradicts them, or a dataset whose splits changed, is an error; the flags that may take a new value
 * (the epoch total) are checked against the run and replace the saved values.
 */
function resumedRun(outDir: string, flags: ParsedFlags, log: (line: string) => void) {
  const file = runFiles(outDir).last;
  const saved = readRunSettings(file, '--resume');
  const wrong = contradictions(flags.settings, saved);
  if (wrong.length > 0) {
    throw new Error(`--resume: the run in ${outDir} was trained with ${wrong.map((w) => asFlag(w.flag, w.saved)).join(', ')}, ` +
      `where this command says ${wrong.map((w) => asFlag(w.flag, w.given)).join(', ')}; ` +
      `drop ${wrong.map((w) => `--${w.flag.name}`).join(', ')} to continue the run (or start a new one: another --out, or --overwrite)`);
  }
  const changed = newOnResume(flags.settings, { outDir, epochsDone: readCheckpointInfo(file).epoch });
  const splits = openRunData(saved.data, log);
  const changes = dataChanges({ classes: saved.config.numClasses, ...saved.data }, describeData(splits));
  if (changes.length > 0) {
    throw new Error(`--resume: the dataset in ${saved.data.root} changed since the run in ${outDir} started (${changes.join(', ')}); ` +
      'the run cannot continue on it: restore the dataset, or start a new run');
  }
  const run: RunSettings = structuredClone(saved);
  applySettings(run, changed);
  return { run, splits };
}

/** A path as one shell word, quoted only when it needs to be, for the command lines the job prints. */
function shellWord(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

main().catch((err) => {
  console.error(`train-sth: ${(err as Error).message}`);
  process.exitCode = 1;
});
