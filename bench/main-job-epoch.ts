/**
 * The main job's epoch time: epochs of the run `npx ts-node examples/train-sth.ts` starts on the
 * synthetic set (SYNTHETIC_RUN's model and recipe, a batch of 8, seed 0, one decoding worker), through
 * the real loaders and fit(), with the time split into training (decoding included) and validation.
 *
 *   npx ts-node bench/main-job-epoch.ts [--epochs 1] [--threads n] [--workers 1] [--out file.md]
 *
 * The data is data/synthetic-sth when it is there (as the main job uses it; regenerated in place if it
 * was made with other settings), otherwise the same set generated once into the system's temporary
 * folder and reused by later runs. Checkpoints go to a temporary folder that is removed afterwards.
 * --threads sets the cpu backend's threads; without it the backend's default, as the main job runs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manualSeed } from '../src';
import { getBackend } from '../src/tensor/registry';
import { setNumThreads } from '../src/tensor/backends/cpu';
import { ensureSyntheticSth } from '../src/ssan/data/synthetic';
import { SYNTHETIC_ROOT, SYNTHETIC_SET, openTrainVal } from '../src/ssan/train/datasets';
import { buildModel, evalLoader, trainLoader } from '../src/ssan/train/experiment';
import { paperRecipe } from '../src/ssan/train/recipe';
import { fit } from '../src/ssan/train/fit';
import type { BatchSource } from '../src/ssan/train/batch-source';
import { SYNTHETIC_RUN } from '../examples/synthetic-run';
import { MAIN_JOB_BATCH } from './train-step';

interface EpochOptions {
  epochs: number;
  threads: number | null;
  workers: number;
  out: string;
}

const USAGE = 'usage: npx ts-node bench/main-job-epoch.ts [--epochs 1] [--threads n] [--workers 1] [--out file.md]';

function parseArgs(argv: readonly string[]): EpochOptions {
  const options: EpochOptions = { epochs: 1, threads: null, workers: 1, out: path.join(__dirname, 'results', 'main-job-epoch.md') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`main-job-epoch: ${flag} needs a value\n${USAGE}`);
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`main-job-epoch: ${flag} must be a positive integer; got '${value}'`);
      return n;
    };
    switch (flag) {
      case '--epochs': options.epochs = count(); break;
      case '--threads': options.threads = count(); break;
      case '--workers': options.workers = count(); break;
      case '--out': options.out = value; break;
      default: throw new Error(`main-job-epoch: unknown argument '${flag}'\n${USAGE}`);
    }
  }
  return options;
}

/** A source that notes when fit asks it for an epoch's batches: the boundary between two phases. */
function marking(source: BatchSource, marks: number[]): BatchSource {
  return {
    get batchesPerEpoch() { return source.batchesPerEpoch; },
    get lastEpochSkipped() { return source.lastEpochSkipped; },
    epoch(epoch, opts) {
      marks.push(performance.now());
      return source.epoch(epoch, opts);
    },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(options: EpochOptions): Promise<string> {
  if (options.threads !== null) setNumThreads(options.threads);
  const root = fs.existsSync(SYNTHETIC_ROOT) ? SYNTHETIC_ROOT : path.join(os.tmpdir(), 'ssan-bench-synthetic-sth');
  const generationStarted = performance.now();
  ensureSyntheticSth({ root, ...SYNTHETIC_SET });
  const generation = performance.now() - generationStarted;
  const splits = openTrainVal({ root, format: 'sthv1' });

  // What examples/train-sth.ts's newRun makes of the synthetic set, flag-free.
  const config = { ...SYNTHETIC_RUN.config, numClasses: splits.train.classes.length };
  const recipe = paperRecipe({ ...SYNTHETIC_RUN.recipe, batchSize: MAIN_JOB_BATCH });
  const seed = 0;
  manualSeed(seed);
  const model = buildModel(config);
  const settings = { batchSize: recipe.batchSize, seed, workers: options.workers };
  const train = trainLoader(splits.train, config, settings);
  const val = evalLoader(splits.val, config, settings);
  const trainMarks: number[] = [];
  const valMarks: number[] = [];
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssan-bench-epoch-'));
  let result;
  let ended: number;
  try {
    result = await fit({
      model, train: marking(train, trainMarks), val: marking(val, valMarks), numClasses: config.numClasses, recipe,
      epochs: options.epochs, outDir, progress: null, handleInterrupt: false, log: () => undefined,
    });
    ended = performance.now();
  } finally {
    await Promise.all([train.close(), val.close()]);
    fs.rmSync(outDir, { recursive: true, force: true });
  }

  const rows = result.history.map((m, i) => {
    const trainMs = valMarks[i] - trainMarks[i];
    // Validation runs until the next epoch asks for its batches (or fit returns): the checkpoints
    // written after it are counted here too.
    const valMs = (trainMarks[i + 1] ?? ended) - valMarks[i];
    return `| ${m.epoch} | ${seconds(m.seconds * 1000)} | ${seconds(trainMs)} (${(trainMs / train.batchesPerEpoch).toFixed(0)} ms per step) | ` +
      `${seconds(valMs)} | ${(100 * m.valTop1).toFixed(1)}% |`;
  });
  const meanEpoch = result.history.reduce((s, m) => s + m.seconds, 0) / result.history.length;
  return [
    "## The main job's epoch time",
    '',
    `${config.arch} on ResNet-${config.depth} (width ${config.width}), ${config.numClasses} classes, T = ${config.numSegments}, ` +
      `${config.crop}x${config.crop} crops; ${splits.train.records.length} train / ${splits.val.records.length} val videos ` +
      `(${root}${generation > 1000 ? `, generated in ${seconds(generation)}` : ''}); batch ${recipe.batchSize}, ` +
      `${train.batchesPerEpoch} steps per epoch; ${options.workers} decoding worker(s); backend ${getBackend().name} ` +
      `(${getBackend().describe()}); ${new Date().toISOString()}.`,
    '',
    '| epoch | epoch (fit\'s own figure) | training | validation and checkpoints | val top-1 |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `The main job runs ${SYNTHETIC_RUN.epochs} epochs: about ${(SYNTHETIC_RUN.epochs * meanEpoch / 60).toFixed(1)} min ` +
      'at this epoch time, plus start-up and, on a fresh clone, generating the set.',
  ].join('\n') + '\n';
}

if (require.main === module) {
  let options: EpochOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  main(options).then(
    (report) => {
      console.log(report);
      fs.mkdirSync(path.dirname(options.out), { recursive: true });
      fs.writeFileSync(options.out, report);
      console.log(`Written to ${path.relative(process.cwd(), options.out)}`);
      process.exit(0);
    },
    (e) => {
      console.error(e instanceof Error ? e.stack ?? e.message : String(e));
      process.exit(1);
    },
  );
}
