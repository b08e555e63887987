/**
 * Pictures of training runs, as PNG files:
 *
 *   npx ts-node examples/visualize.ts curves runs/synthetic-ssan runs/synthetic-tsn --out curves.png
 *   npx ts-node examples/visualize.ts per-class runs/synthetic-ssan runs/synthetic-tsn     # the paper's Figure 4
 *   npx ts-node examples/visualize.ts confusion runs/synthetic-ssan/best.safetensors --rates
 *   npx ts-node examples/visualize.ts attention runs/synthetic-ssan/best.safetensors --nl3d runs/synthetic-nl3d/best.safetensors
 *
 * Runs are the --out folders of examples/train-sth.ts: their metrics.jsonl gives the curves and the last
 * epoch's per-class top-1; their checkpoint records the dataset, whose label list names the classes.
 */
import fs from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { ssan, train } from '../src';
import { intOption } from './cli-args';
import { predictCheckpoint } from './checkpoint-predictions';

const { openRunData, readRunSettings } = ssan.train;
const { confusionMatrix, confusionPng, readRunMetrics, curvesPng, lastPerClassTop1, perClassPng, attentionFigureFromCheckpoint } = ssan.viz;
const { writeFileAtomic, runFiles } = train;
type QueryPoint = ssan.viz.QueryPoint;

interface Command {
  synopsis: string;
  help: string;
  run(args: string[]): Promise<void>;
}

/**
 * The subcommands, in the order --help lists them. Each parses its own arguments and writes one PNG.
 * Another picture is one more entry here.
 */
const COMMANDS: Record<string, Command> = {
  curves: {
    synopsis: 'curves RUN_DIR [RUN_DIR ...] [--out FILE]',
    help: 'training curves of one run, or of several overlaid (default FILE: curves.png)',
    run: drawCurves,
  },
  'per-class': {
    synopsis: 'per-class RUN_A RUN_B [--out FILE]',
    help: "per-class validation top-1 of A minus B in their last epochs, the paper's Figure 4 (default FILE: per-class.png)",
    run: drawPerClass,
  },
  confusion: {
    synopsis: 'confusion CHECKPOINT [--out FILE] [--rates] [--batch N]',
    help: 'confusion matrix on the validation split, by count or with --rates by the share of each true class;\n' +
      'N videos per forward pass (default 8; default FILE: confusion.png)',
    run: drawConfusion,
  },
  attention: {
    synopsis: 'attention CHECKPOINT [--nl3d CHECKPOINT] [--video I] [--query T,ROW,COL] [--block NAME] [--out FILE]',
    help: "the paper's Figure 1 on validation video I (default 0): SSA's spatial top-10 from a query point\n" +
      'and its temporal weights, beside a 3D non-local checkpoint\'s top-10 over all frames; the query is\n' +
      'frame T (0-based) at input pixel (ROW, COL), by default on the moving object (default FILE: attention.png)',
    run: drawAttention,
  },
};

function describe(command: Command): string {
  return `  ${command.synopsis}\n${command.help.split('\n').map((line) => `      ${line}\n`).join('')}`;
}

const USAGE = `Pictures of training runs (the --out folders of examples/train-sth.ts), as PNG files.

usage: npx ts-node examples/visualize.ts COMMAND ...

${Object.values(COMMANDS).map(describe).join('')}  --help
      this text; COMMAND --help: that command's
`;

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    if (name === undefined) process.exitCode = 1;
    return;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new Error(`unknown command '${name}'; commands are ${Object.keys(COMMANDS).join(', ')} (--help)`);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: npx ts-node examples/visualize.ts ${describe(command).trimStart()}`);
    return;
  }
  await command.run(args);
}

const OPTIONS = {
  out: { type: 'string' }, rates: { type: 'boolean' }, batch: { type: 'string' },
  nl3d: { type: 'string' }, video: { type: 'string' }, query: { type: 'string' }, block: { type: 'string' },
} as const;

/** A subcommand's flags: --out, and those of `allowed` (another is an error naming the command). */
function parse(command: string, args: string[], allowed: (keyof typeof OPTIONS)[] = []) {
  const parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const extra = Object.keys(parsed.values).filter((k) => k !== 'out' && !allowed.includes(k as keyof typeof OPTIONS));
  if (extra.length > 0) throw new Error(`${command}: --${extra[0]} is not one of its flags (--help)`);
  return parsed;
}

function write(file: string, png: Uint8Array, what: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) throw new Error(`--out ${file}: the folder ${dir} does not exist`);
  writeFileAtomic(file, png);
  console.log(`${what}: ${file}`);
}

/** Run names for the legend: the folder names, or the paths as given where two folders share a name. */
function runNames(dirs: string[]): string[] {
  const base = dirs.map((d) => path.basename(path.resolve(d)));
  return base.map((b, i) => (base.indexOf(b) === base.lastIndexOf(b) ? b : dirs[i]));
}

async function drawCurves(args: string[]): Promise<void> {
  const { values, positionals } = parse('curves', args);
  if (positionals.length === 0) throw new Error('curves: name at least one run folder');
  const names = runNames(positionals);
  const runs = positionals.map((dir, i) => readRunMetrics(dir, names[i]));
  write(values.out ?? 'curves.png', await curvesPng(runs), `training curves of ${names.join(', ')}`);
}

async function drawPerClass(args: string[]): Promise<void> {
  const { values, positionals } = parse('per-class', args);
  if (positionals.length !== 2) throw new Error(`per-class: name two run folders (A and B); got ${positionals.length}`);
  const names = runNames(positionals);
  const scores = positionals.map((dir, i) => {
    const records = readRunMetrics(dir, names[i]).records;
    return { name: names[i], perClass: lastPerClassTop1(records, `${dir}/metrics.jsonl`), epoch: records[records.length - 1].epoch };
  });
  const [a, b] = scores;
  if (a.perClass.length !== b.perClass.length) {
    throw new Error(`per-class: ${positionals[0]} has ${a.perClass.length} classes and ${positionals[1]} ${b.perClass.length}; compare runs on one dataset`);
  }
  const classes = classNames(positionals, a.perClass.length);
  console.log(`per-class top-1 of ${a.name} (epoch ${String(a.epoch)}) minus ${b.name} (epoch ${String(b.epoch)}), ${classes.length} classes`);
  write(values.out ?? 'per-class.png', await perClassPng(classes, a, b), 'per-class comparison');
}

/**
 * The class names of the runs' dataset, from the label list of the dataset a run's checkpoint records;
 * numbered classes when no run has a checkpoint or the dataset cannot be opened (said in a warning).
 */
function classNames(dirs: string[], count: number): string[] {
  const numbered = Array.from({ length: count }, (_, k) => `class ${k}`);
  const checkpoint = dirs.flatMap((d) => [runFiles(d).last, runFiles(d).best]).find((f) => fs.existsSync(f));
  if (checkpoint === undefined) {
    console.log('warning: neither run has a checkpoint that records its dataset; classes are numbered');
    return numbered;
  }
  try {
    const classes = openRunData(readRunSettings(checkpoint, 'visualize').data).val.classes;
    if (classes.length !== count) throw new Error(`its dataset has ${classes.length} classes, the runs' metrics ${count}`);
    return classes;
  } catch (err) {
    console.log(`warning: no class names from ${checkpoint} (${(err as Error).message}); classes are numbered`);
    return numbered;
  }
}

async function drawConfusion(args: string[]): Promise<void> {
  const { values, positionals } = parse('confusion', args, ['rates', 'batch']);
  if (positionals.length !== 1) throw new Error(`confusion: name one checkpoint; got ${positionals.length}`);
  const [file] = positionals;
  const batchSize = intOption(values.batch, 'batch', 1) ?? 8;
  const run = readRunSettings(file, 'visualize');
  const { val, root } = openRunData(run.data, (line) => console.log(line));
  console.log(`evaluating ${file} on ${val.records.length} validation videos in ${root}`);
  const predictions = await predictCheckpoint(file, run, val, { batchSize, numClips: 1, caller: 'visualize' });
  const png = await confusionPng(val.classes, confusionMatrix(predictions), {
    rates: values.rates === true, title: `Confusion matrix of ${file}`,
  });
  write(values.out ?? 'confusion.png', png, 'confusion matrix');
}

main().catch((err) => {
  console.error(`visualize: ${(err as Error).message}`);
  process.exitCode = 1;
});

/** --query T,ROW,COL: a frame (0-based) and an input pixel. */
function queryOption(value: string | undefined): QueryPoint | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p >= 0)) {
    throw new Error(`attention: --query must be three integers >= 0, FRAME,ROW,COL; got '${value}'`);
  }
  const [frame, row, col] = parts;
  return { frame, row, col };
}

async function drawAttention(args: string[]): Promise<void> {
  const { values, positionals } = parse('attention', args, ['nl3d', 'video', 'query', 'block']);
  if (positionals.length !== 1) throw new Error(`attention: name one checkpoint (arch ssan); got ${positionals.length}`);
  const figure = attentionFigureFromCheckpoint(positionals[0], {
    nlCheckpoint: values.nl3d, videoIndex: intOption(values.video, 'video', 0), query: queryOption(values.query),
    block: values.block, log: (line) => console.log(line),
  });
  const { video, query } = figure;
  console.log(`validation video ${video.index} (${video.id}, "${video.className}"), frames ${video.frameIndices.join(', ')}; ` +
    `query: frame ${query.frame}, pixel (${query.row}, ${query.col})`);
  write(values.out ?? 'attention.png', figure.png, 'attention figure');
}
