/**
 * Evaluate trained checkpoints on the validation split: one clip per video with a centre crop (the paper's
 * protocol), or several clips, and the ensemble of several models (mean softmax, the paper's SSA_En).
 *
 *   npx ts-node examples/eval-sth.ts runs/synthetic-ssan/best.safetensors
 *   npx ts-node examples/eval-sth.ts --clips 2 runs/a/best.safetensors runs/b/best.safetensors
 *   npx ts-node examples/eval-sth.ts --confusion confusion.png runs/synthetic-ssan/best.safetensors
 *
 * Each checkpoint carries the settings it was trained with (model, input size, dataset), so the model is
 * rebuilt exactly; --data and --format point at another copy of the dataset.
 */
import { parseArgs } from 'util';
import { ssan, train } from '../src';
import { choiceOption, intOption } from './cli-args';
import { formatPercent } from './percent';
import { predictCheckpoint } from './checkpoint-predictions';

const { DATA_FORMATS } = ssan.data;
const { openTrainVal, openRunData, readRunSettings, scorePredictions } = ssan.train;
const { confusionMatrix, confusionPng } = ssan.viz;
const { writeFileAtomic } = train;
type Predictions = ssan.train.Predictions;
type EvaluationResult = ssan.train.EvaluationResult;

const USAGE = `Evaluate checkpoints of examples/train-sth.ts on the validation split.

usage: npx ts-node examples/eval-sth.ts [options] CHECKPOINT [CHECKPOINT ...]

  --clips K      clips per video, evenly placed in each segment (default 1: the centre frames)
  --data DIR     the dataset (default: the one the first checkpoint was trained on)
  --format F     ${DATA_FORMATS.join(' | ')}
  --batch N      videos per forward pass (default 8)
  --confusion FILE.png
                 draw the confusion matrix of the first checkpoint (class names on both axes)
  --confusion-rates
                 shade it by the share of each true class rather than by count
  --help         this text

Several checkpoints are evaluated alone and then as an ensemble (mean of their softmax scores).
`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      clips: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' }, batch: { type: 'string' },
      confusion: { type: 'string' }, 'confusion-rates': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    if (!values.help) process.exitCode = 1;
    return;
  }
  if (values['confusion-rates'] && values.confusion === undefined) throw new Error('--confusion-rates needs --confusion FILE.png');
  if (values.confusion !== undefined && !values.confusion.toLowerCase().endsWith('.png')) {
    throw new Error(`--confusion names the PNG file to write; got '${values.confusion}'`);
  }
  const numClips = intOption(values.clips, 'clips', 1) ?? 1;
  const batchSize = intOption(values.batch, 'batch', 1) ?? 8;
  const runs = positionals.map((file) => readRunSettings(file, 'eval-sth'));
  const log = (line: string) => console.log(line);
  const format = choiceOption(values.format, 'format', DATA_FORMATS) ?? runs[0].data.format;
  // Without --data, the dataset the first run recorded (the synthetic set is generated again if it was deleted).
  const { val, root } = values.data === undefined && values.format === undefined
    ? openRunData(runs[0].data, log)
    : openTrainVal({ root: values.data ?? runs[0].data.root, format, log });
  console.log(`${val.records.length} validation videos in ${root}, ${numClips} clip(s) per video, centre crop`);

  const all: Predictions[] = [];
  for (const [i, file] of positionals.entries()) {
    const config = runs[i].config;
    const p = await predictCheckpoint(file, runs[i], val, { batchSize, numClips, caller: 'eval-sth' });
    all.push(p);
    report(`${file} (${config.arch}, ResNet-${config.depth}, T = ${config.numSegments})`, scorePredictions([p]));
    if (i === 0 && values.confusion !== undefined) {
      const png = await confusionPng(val.classes, confusionMatrix(p), { rates: values['confusion-rates'], title: `Confusion matrix of ${file}` });
      writeFileAtomic(values.confusion, png);
      console.log(`confusion matrix of ${file}: ${values.confusion}`);
    }
  }
  if (all.length > 1) report(`ensemble of ${all.length} (mean softmax)`, scorePredictions(all));
}

function report(what: string, r: EvaluationResult): void {
  console.log(`${what}: top-1 ${formatPercent(r.top1)}  top-5 ${formatPercent(r.top5)}  loss ${r.loss.toFixed(4)}  on ${r.count} videos` +
    (r.skipped.length > 0 ? ` (${r.skipped.length} skipped)` : ''));
}

main().catch((err) => {
  console.error(`eval-sth: ${(err as Error).message}`);
  process.exitCode = 1;
});
