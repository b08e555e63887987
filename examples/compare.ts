/**
 * The paper's Table 2 (TSN, TSM, the non-local family, SSA) and Table 5 (the ablation chain from the fused
 * 2D+1D non-local block to SSA) in miniature, on the synthetic Something-Something set: every row is the
 * main job's model and recipe with one thing changed, the same epochs and the same seed. Prints a
 * Markdown table (also written to <out>/table.md, after each row, so a run cut short keeps the rows it finished).
 *
 *   npx ts-node examples/compare.ts                    # every row (about as long as the main job each)
 *   npx ts-node examples/compare.ts --rows tsn,ssa     # some rows
 *
 * The synthetic classes come in time-reversed pairs, so a model blind to frame order tops out near 50%:
 * that is TSN, every non-local variant (their 1x1x1 embeddings see frames as a set), and SSA without its
 * 3x1x1 temporal kernel (Table 5's rows before TA).
 */
import path from 'path';
import { parseArgs } from 'util';
import { manualSeed, ssan, train } from '../src';
import { intOption } from './cli-args';
import { formatPercent } from './percent';
import { SYNTHETIC_RUN } from './synthetic-run';

const { buildModel, evalLoader, trainLoader, openTrainVal, fit, paperRecipe } = ssan.train;
const { writeFileAtomic } = train;
type ExperimentConfig = ssan.train.ExperimentConfig;

type Change = Partial<ExperimentConfig>;

/** Rows in the paper's order: Table 2, then Table 5's chain (whose first row is Table 2's 2D+1D NL). */
export const ROWS: { key: string; name: string; table: string; change: Change }[] = [
  { key: 'tsn', name: 'TSN', table: '2', change: { arch: 'tsn' } },
  { key: 'tsm', name: 'TSM', table: '2', change: { arch: 'tsm' } },
  { key: 'nl3d', name: '3D NL', table: '2', change: { arch: 'nl3d' } },
  { key: 'nl2d', name: '2D NL', table: '2', change: { arch: 'nl2d' } },
  { key: 'nl1d', name: '1D NL', table: '2', change: { arch: 'nl1d' } },
  { key: 'nl2d1d', name: '2D+1D NL (fused)', table: '2, 5', change: { arch: 'nl2d1d' } },
  { key: 'sa', name: '+SA', table: '5', change: { arch: 'ssan', ssa: { channelBranch: true, taValue: 'separate_g', temporalKernel: 1 } } },
  { key: 'sve', name: '+SA+SVE', table: '5', change: { arch: 'ssan', ssa: { channelBranch: true, taValue: 'shared_v', temporalKernel: 1 } } },
  { key: 'ssa', name: '+SA+SVE+TA = SSA', table: '2, 5', change: { arch: 'ssan' } },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`usage: npx ts-node examples/compare.ts [--rows ${ROWS.map((r) => r.key).join(',')}] [--epochs N] [--seed N] [--out DIR]`);
    return;
  }
  const wanted = values.rows ? values.rows.split(',') : ROWS.map((r) => r.key);
  const unknown = wanted.filter((k) => !ROWS.some((r) => r.key === k));
  if (unknown.length > 0) throw new Error(`--rows: unknown ${unknown.join(', ')}; rows are ${ROWS.map((r) => r.key).join(', ')}`);
  const epochs = intOption(values.epochs, 'epochs', 1) ?? SYNTHETIC_RUN.epochs;
  const seed = intOption(values.seed, 'seed') ?? 0;
  const outRoot = values.out ?? path.join('runs', 'compare');
  const splits = openTrainVal({ log: (l) => console.log(l) });

  const header =
    `Synthetic Something-Something (${splits.train.records.length} train / ${splits.val.records.length} val videos, ` +
    `${splits.train.classes.length} classes in time-reversed pairs), ResNet-${SYNTHETIC_RUN.config.depth} width ${SYNTHETIC_RUN.config.width}, ` +
    `T = ${SYNTHETIC_RUN.config.numSegments}, ${SYNTHETIC_RUN.config.crop}x${SYNTHETIC_RUN.config.crop}, ${epochs} epochs, seed ${seed}.`;
  const results: string[] = [];
  for (const row of ROWS.filter((r) => wanted.includes(r.key))) {
    const config: ExperimentConfig = { ...SYNTHETIC_RUN.config, numClasses: splits.train.classes.length, ...row.change };
    const recipe = paperRecipe({ ...SYNTHETIC_RUN.recipe, batchSize: 8 });
    manualSeed(seed);
    const model = buildModel(config);
    const params = model.parameters().reduce((n, p) => n + p.numel(), 0);
    const settings = { batchSize: recipe.batchSize, seed, workers: 1, onWarning: (m: string) => console.log(`warning: ${m}`) };
    const train = trainLoader(splits.train, config, settings);
    const val = evalLoader(splits.val, config, settings);
    console.log(`\n${row.name}: ${config.arch}, ${params.toLocaleString('en-US')} parameters, ${epochs} epochs`);
    const started = performance.now();
    try {
      const run = await fit({
        model, train, val, numClasses: config.numClasses, recipe, epochs, outDir: path.join(outRoot, row.key),
        // Each row is trained afresh: an earlier comparison's run of the row is replaced.
        config: { config, recipe, epochs, seed }, progress: null, handleInterrupt: false, overwrite: true,
      });
      const last = run.history[run.history.length - 1];
      const minutes = (performance.now() - started) / 60000;
      results.push(`| ${row.name} | ${row.table} | ${params.toLocaleString('en-US')} | ${formatPercent(last.valTop1)} | ${formatPercent(run.best?.valTop1)} | ${formatPercent(last.valTop5)} | ${minutes.toFixed(1)} |`);
      // Rewritten after every row, so that a run cut short keeps the rows it finished.
      writeFileAtomic(path.join(outRoot, 'table.md'), new TextEncoder().encode(`${markdownTable(header, results)}\n`));
    } finally {
      await Promise.all([train.close(), val.close()]);
    }
  }
  console.log(`\n${markdownTable(header, results)}`);
}

function markdownTable(header: string, rows: string[]): string {
  return [
    header,
    '',
    '| model | paper table | parameters | val top-1 (last epoch) | best epoch top-1 | val top-5 | minutes |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

main().catch((err) => {
  console.error(`compare: ${(err as Error).message}`);
  process.exitCode = 1;
});
