/**
 * Text-to-video retrieval on the synthetic set (the paper's second task, Tables 7-8, scaled down): video
 * features from the main job's SSAN checkpoint and from a TSN checkpoint trained with the same settings,
 * a HowTo100M joint embedding trained on each, and R@1 / R@5 / R@10 / median rank on the validation
 * videos, one caption each. The captions name the colour, the shape and the motion, and a reversed class
 * differs from its twin only in its direction words: TSN's features, blind to frame order, cannot tell
 * which of two twins a caption means; SSAN's can.
 *
 *   npx ts-node examples/retrieval.ts                  # seed 0: trains the two checkpoints when missing
 *   npx ts-node examples/retrieval.ts --seeds 0,1,2    # three seeds (checkpoints runs/synthetic-{ssan,tsn}-seedN)
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { parseArgs } from 'util';
import { Tensor, ssan } from '../src';
import { choiceOption, intListOption, intOption, positiveOption } from './cli-args';

const { checkpointFeatures, trainJointEmbedding, readWord2vec } = ssan.retrieval;
const { syntheticCaptions } = ssan.retrieval.datasets;
type SyntheticVideoCaptions = ssan.retrieval.datasets.SyntheticVideoCaptions;
type RetrievalMetrics = ssan.retrieval.RetrievalMetrics;
type CaptionedVideos = ssan.retrieval.CaptionedVideos;
type WordVectors = ssan.retrieval.WordVectors;

const USAGE = `Text-to-video retrieval on the synthetic set with SSAN and TSN features.

usage: npx ts-node examples/retrieval.ts [options]

  --seeds S[,S]        seeds (default 0); seed N uses checkpoints runs/synthetic-ARCH (N = 0) or
                       runs/synthetic-ARCH-seedN, trained with examples/train-sth.ts --seed N when missing
  --ssan CKPT          the SSAN checkpoint (one seed only; default as above)
  --tsn CKPT           the TSN checkpoint (one seed only; default as above)
  --epochs N           epochs of the joint embedding (default 50)
  --lr LR              Adam's learning rate (default 1e-4, HowTo100M's)
  --text-encoder E     maxpool (HowTo100M's, default) | gru
  --word2vec FILE      fixed word vectors from a word2vec file (binary .bin or text); default: learned
  --out DIR            where results.json and table.md go (default runs/synthetic-retrieval)
  --help               this text
`;

const ARCHS = ['tsn', 'ssan'] as const;
type Arch = (typeof ARCHS)[number];

function defaultCheckpointDir(arch: Arch, seed: number): string {
  return path.join('runs', seed === 0 ? `synthetic-${arch}` : `synthetic-${arch}-seed${seed}`);
}

/** The run's best checkpoint, trained first (or its interrupted run resumed) when it is missing. */
function ensureCheckpoint(arch: Arch, seed: number, dir: string, log: (line: string) => void): string {
  const best = path.join(dir, 'best.safetensors');
  if (fs.existsSync(best)) return best;
  const resume = fs.existsSync(path.join(dir, 'last.safetensors'));
  const args = resume ? ['--out', dir, '--resume'] : ['--arch', arch, '--seed', String(seed), '--out', dir];
  log(`no ${best}: ${resume ? 'resuming' : 'training'} it with examples/train-sth.ts ${args.join(' ')} (a few minutes)`);
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'train-sth.ts'), ...args], {
    stdio: 'inherit',
  });
  if (result.status !== 0 || !fs.existsSync(best)) {
    throw new Error(`training ${dir} failed (exit ${result.status ?? result.signal}); run examples/train-sth.ts ${args.join(' ')} to see why`);
  }
  return best;
}

/** A split's videos with their features (in caption-set order) and captions. */
function captionedVideos(videos: readonly SyntheticVideoCaptions[], features: Map<string, Float32Array>, checkpoint: string): CaptionedVideos {
  const dim = features.values().next().value?.length ?? 0;
  const data = new Float32Array(videos.length * dim);
  videos.forEach((video, i) => {
    const feature = features.get(video.videoId);
    if (feature === undefined) throw new Error(`${checkpoint}: no feature for video ${video.videoId}; was it trained on another set?`);
    data.set(feature, i * dim);
  });
  return { ids: videos.map((v) => v.videoId), captions: videos.map((v) => v.captions), features: new Tensor(data, [videos.length, dim]) };
}

interface Row {
  arch: Arch;
  seed: number;
  checkpoint: string;
  metrics: RetrievalMetrics;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function meanAndSpread(values: number[], format: (x: number) => string): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return format(mean);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return `${format(mean)} ± ${format(sd).replace('%', '')}`;
}

/** The results as a Markdown table: chance, then each arch's mean (± sd over seeds). */
function table(rows: Row[], videos: number, seeds: number[]): string {
  const lines = ['| features | R@1 | R@5 | R@10 | median rank |', '|---|---|---|---|---|'];
  const chance = (k: number) => pct(Math.min(k, videos) / videos);
  lines.push(`| chance | ${chance(1)} | ${chance(5)} | ${chance(10)} | ${((videos + 1) / 2).toFixed(1)} |`);
  for (const arch of ARCHS) {
    const mine = rows.filter((r) => r.arch === arch);
    const col = (key: keyof RetrievalMetrics, format: (x: number) => string) => meanAndSpread(mine.map((r) => r.metrics[key]), format);
    lines.push(`| ${arch.toUpperCase()} | ${col('r1', pct)} | ${col('r5', pct)} | ${col('r10', pct)} | ${col('medianRank', (x) => x.toFixed(1))} |`);
  }
  const gaps = seeds.map((seed) => {
    const of = (arch: Arch) => rows.find((r) => r.arch === arch && r.seed === seed)!.metrics.r1;
    return 100 * (of('ssan') - of('tsn'));
  });
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  lines.push('', `SSAN - TSN, R@1: ${sign(mean)} points` + (seeds.length > 1 ? ` (seeds ${seeds.join(', ')}: ${gaps.map(sign).join(', ')})` : ''));
  return lines.join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' }, ssan: { type: 'string' }, tsn: { type: 'string' }, epochs: { type: 'string' },
      lr: { type: 'string' }, 'text-encoder': { type: 'string' }, word2vec: { type: 'string' }, out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const seeds = values.seeds === undefined ? [0] : intListOption(values.seeds, 'seeds');
  if (seeds.length > 1 && (values.ssan !== undefined || values.tsn !== undefined)) {
    throw new Error('--ssan and --tsn name one checkpoint each: give them with one seed only');
  }
  const epochs = intOption(values.epochs, 'epochs', 0) ?? 50;
  const lr = positiveOption(values.lr, 'lr') ?? 1e-4;
  const textEncoder = choiceOption(values['text-encoder'], 'text-encoder', ['maxpool', 'gru'] as const) ?? 'maxpool';
  const outDir = values.out ?? path.join('runs', 'synthetic-retrieval');
  const log = (line: string) => console.log(line);
  let wordVectors: WordVectors | undefined;
  if (values.word2vec !== undefined) {
    wordVectors = readWord2vec(values.word2vec);
    log(`word vectors: ${wordVectors.size} words x ${wordVectors.dim} from ${values.word2vec}`);
  }

  const rows: Row[] = [];
  let videos = 0;
  for (const seed of seeds) {
    for (const arch of ARCHS) {
      const given = arch === 'ssan' ? values.ssan : values.tsn;
      const checkpoint = given ?? ensureCheckpoint(arch, seed, defaultCheckpointDir(arch, seed), log);
      const started = performance.now();
      const { run, train, val } = checkpointFeatures(checkpoint, { log });
      const captions = syntheticCaptions(run.data.root);
      const result = trainJointEmbedding(
        captionedVideos(captions.train, train, checkpoint), captionedVideos(captions.validation, val, checkpoint),
        { epochs, lr, textEncoder, wordVectors, seed },
      );
      videos = captions.validation.length;
      const m = result.metrics;
      log(`seed ${seed}, ${arch.toUpperCase()} features (${checkpoint}): R@1 ${pct(m.r1)}  R@5 ${pct(m.r5)}  R@10 ${pct(m.r10)}  ` +
        `median rank ${m.medianRank}  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      rows.push({ arch, seed, checkpoint, metrics: m });
    }
  }
  const summary = table(rows, videos, seeds);
  log(`\ntext-to-video retrieval, ${videos} validation videos with one caption each; joint embedding ` +
    `(${textEncoder}) trained ${epochs} epochs with Adam at lr ${lr}, ${seeds.length} seed(s)\n\n${summary}`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify({ epochs, lr, textEncoder, seeds, rows }, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'table.md'), `${summary}\n`);
  log(`\nwritten: ${path.join(outDir, 'results.json')}, ${path.join(outDir, 'table.md')}`);
}

try {
  main();
} catch (error) {
  console.error(`retrieval: ${(error as Error).message}`);
  process.exitCode = 1;
}
