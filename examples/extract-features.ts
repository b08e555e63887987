/**
 * Video features for retrieval from a checkpoint of examples/train-sth.ts (any arch): per video, the
 * backbone's pooled feature of T centre-sampled frames averaged over the frames, windows of a long video
 * max-pooled, L2-normalised; one safetensors file per split, one vector per video id.
 *
 *   npx ts-node examples/extract-features.ts runs/synthetic-ssan/best.safetensors
 *   npx ts-node examples/extract-features.ts --window-frames 64 --out features/ssan runs/k400/best.safetensors
 */
import fs from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { ssan } from '../src';
import { choiceOption, intOption } from './cli-args';

const { DATA_FORMATS } = ssan.data;
const { checkpointFeatures, saveVideoFeatures } = ssan.retrieval;
const { openTrainVal } = ssan.train;

const USAGE = `Extract retrieval features of a dataset's videos with a trained checkpoint.

usage: npx ts-node examples/extract-features.ts [options] CHECKPOINT

  --out PREFIX         files PREFIX-train.safetensors and PREFIX-val.safetensors
                       (default: features next to the checkpoint)
  --window-frames N    frames per window; a longer video is max-pooled over its windows (default: one window)
  --data DIR           the dataset (default: the one the checkpoint was trained on)
  --format F           ${DATA_FORMATS.join(' | ')}
  --batch N            windows per forward pass (default 8)
  --help               this text
`;

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      out: { type: 'string' }, 'window-frames': { type: 'string' }, data: { type: 'string' }, format: { type: 'string' },
      batch: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    process.stdout.write(USAGE);
    if (!values.help) process.exitCode = 1;
    return;
  }
  const [checkpoint] = positionals;
  const windowFrames = intOption(values['window-frames'], 'window-frames', 1);
  const batchSize = intOption(values.batch, 'batch', 1) ?? 8;
  const format = choiceOption(values.format, 'format', DATA_FORMATS);
  const log = (line: string) => console.log(line);
  const splits = values.data === undefined && format === undefined ? undefined : openTrainVal({ root: values.data, format, log });
  const prefix = values.out ?? path.join(path.dirname(checkpoint), 'features');

  fs.mkdirSync(path.dirname(path.resolve(prefix)), { recursive: true });
  const started = performance.now();
  const { run, train, val } = checkpointFeatures(checkpoint, { splits, windowFrames, batchSize, log });
  for (const [name, features] of [['train', train], ['val', val]] as const) {
    const file = `${prefix}-${name}.safetensors`;
    saveVideoFeatures(file, features, {
      checkpoint: path.resolve(checkpoint), arch: run.config.arch, split: name,
      windowFrames: String(windowFrames ?? 'whole video'),
    });
    const dim = features.values().next().value?.length ?? 0;
    log(`${name}: ${features.size} videos x ${dim} features -> ${file}`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (error) {
  console.error(`extract-features: ${(error as Error).message}`);
  process.exitCode = 1;
}
