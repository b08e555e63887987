/**
 * The paper's model family at a glance: every arch createModel builds, what its blocks add (parameters
 * and multiply-adds, from nn.summary), and the property that separates them: which ones can tell a
 * clip from the same clip played backwards.
 *
 *     npx ts-node examples/ssan-models.ts
 *
 * The models are ResNet-50-shaped (3, 4, 6, 3 blocks) at width 8 on 8 frames of 64x64, so the whole
 * thing runs in seconds on a laptop; `--width 64 --size 224` gives the paper's sizes (slower).
 */
import { Tensor, manualSeed, nn, noGrad, randn, ssan } from '../src';

export interface ArchRow {
  arch: ssan.Arch;
  params: number;
  macsPerClip: number;
  /** max |logits(reversed clip) - logits(clip)| / max |logits(clip)|. */
  reversalChange: number;
}

/** The table of every arch at one size: parameters, multiply-adds, and what reversing the clip does. */
export function compareArchs(width = 8, size = 64, frames = 8): ArchRow[] {
  manualSeed(0);
  // float64, so that "the same logits" means equal to ~1e-15 rather than to float32 rounding.
  const clip = randn([1, frames, 3, size, size], { dtype: 'float64' });
  const backwards = Array.from({ length: frames }, (_, i) => clip.slice(1, frames - 1 - i, frames - i));
  const reversed = backwards[0].cat(backwards.slice(1), 1);
  return ssan.ARCHS.map((arch) => {
    const model = ssan.createModel({ arch, depth: 50, width, numClasses: 10, numSegments: frames });
    const table = nn.summary(model, [1, frames, 3, size, size]);
    model.to('float64');
    wakeAttention(model);
    model.eval();
    const forward = noGrad(() => model.forward(clip));
    const backward = noGrad(() => model.forward(reversed));
    let change = 0;
    let scale = 0;
    for (let i = 0; i < forward.numel(); i++) {
      change = Math.max(change, Math.abs(forward.data[i] - backward.data[i]));
      scale = Math.max(scale, Math.abs(forward.data[i]));
    }
    return { arch, params: table.totalParams, macsPerClip: table.totalMacs, reversalChange: change / scale };
  });
}

/**
 * Every BatchNorm at the end of an attention block starts at zero (the block is the identity); a
 * trained model has moved them, so give them a non-zero scale to see what the blocks can do.
 */
function wakeAttention(model: ssan.TSN): void {
  for (const [name, m] of model.namedModules()) {
    if (name.includes('.attention') && m instanceof nn.BatchNorm2d) nn.init.ones_(m.weight as Tensor);
  }
  // At their N(0, 0.01) init the attention maps are almost uniform; larger weights make them sharper.
  for (const [name, p] of model.namedParameters()) {
    if (name.includes('.attention.') && p.ndim > 1) nn.init.normal_(p, 0, 0.3);
  }
}

if (require.main === module) {
  const option = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const [width, size, frames] = [option('width', 8), option('size', 64), 8];
  console.log(`ResNet-50 layout, width ${width}, ${frames} frames of ${size}x${size}, 10 classes\n`);
  console.log('| arch | parameters | MMACs per clip | relative change of the logits when the clip is reversed | sees order |');
  console.log('|---|---|---|---|---|');
  for (const r of compareArchs(width, size, frames)) {
    console.log(
      `| ${r.arch} | ${r.params.toLocaleString('en-US')} | ${(r.macsPerClip / 1e6).toFixed(1)} | ` +
        `${r.reversalChange.toExponential(1)} | ${r.reversalChange > 1e-9 ? 'yes' : 'no'} |`,
    );
  }

  // Attention maps of one SSA block, kept for inspection.
  const block = new ssan.SSA(16, { numSegments: frames, keepAttention: true });
  block.forward(randn([frames, 16, 7, 7]));
  const maps = block.attentionMaps as ssan.AttentionMaps;
  console.log(
    `\nOne SSA block at C = 16, 7x7, T = ${frames}: position map ${JSON.stringify(maps.position?.shape)}, ` +
      `channel map ${JSON.stringify(maps.channel?.shape)}, temporal map ${JSON.stringify(maps.temporal?.shape)}`,
  );
}
