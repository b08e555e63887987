/**
 * The attention maps of one block of a model for one clip: the block keeps its maps for one forward pass
 * (keepAttention, switched on for that block only, so the others spend no memory), the model runs in
 * eval mode without recording gradients, and everything is put back as it was. The block's feature map
 * size is read from its input during the same pass, since a map [.., P, P] does not say how its P
 * positions are laid out.
 */
import { noGrad } from '../../autograd/grad-mode';
import { Tensor } from '../../tensor/tensor';
import type { AttentionMaps } from '../models/attention-common';
import { NonLocal } from '../models/non-local';
import { placedBlocks, type StageName } from '../models/placement';
import { SSA } from '../models/ssa';
import type { TSN } from '../models/tsn';
import type { FeatureGrid } from './feature-grid';
import { clipSizes } from './frames-png';

/** A block's attention maps for one clip, and the grid of positions they are over. */
export interface BlockAttention {
  /** The maps (position [T, P, K] and temporal [1, T, T] for SSA; position [1, T·P, T·K] for a 3D non-local). */
  maps: AttentionMaps;
  /** The block's feature map, rows x cols positions per frame. */
  grid: FeatureGrid;
  /** Where the block is, e.g. 'layer2.1' (for the figure's labels). */
  name?: string;
  /** What the block is: 'SSA', 'NonLocal(3d)', ... */
  kind?: string;
}

/** A residual block of the model that holds an attention module. */
export interface AttentionBlock {
  /** 'layer2.1': stage and block index, as in the state dict's keys. */
  name: string;
  stage: StageName;
  index: number;
  module: SSA | NonLocal;
}

/** The model's attention blocks, in forward order. */
export function attentionBlocks(model: TSN): AttentionBlock[] {
  const backbone = model.backbone;
  // Every block of every stage, so whatever placement the model was built with is found.
  const everyBlock = {
    layer1: [...Array(backbone.layer1.length).keys()], layer2: [...Array(backbone.layer2.length).keys()],
    layer3: [...Array(backbone.layer3.length).keys()], layer4: [...Array(backbone.layer4.length).keys()],
  };
  const found: AttentionBlock[] = [];
  for (const { stage, index, block } of placedBlocks(backbone, everyBlock)) {
    const module = block.attention;
    if (module instanceof SSA || module instanceof NonLocal) found.push({ name: `${stage}.${index}`, stage, index, module });
  }
  return found;
}

function kindOf(module: SSA | NonLocal): string {
  return module instanceof SSA ? 'SSA' : `NonLocal(${module.kind})`;
}

/** Picks a block by name ('layer2.1') or position in forward order; the first one by default. */
export function findAttentionBlock(model: TSN, block: string | number = 0): AttentionBlock {
  const blocks = attentionBlocks(model);
  if (blocks.length === 0) throw new Error('captureAttention: the model has no attention block (SSA or non-local); is it a TSN or TSM model?');
  const found = typeof block === 'number' ? blocks[block] : blocks.find((b) => b.name === block);
  if (!found) {
    throw new Error(`captureAttention: no attention block ${JSON.stringify(block)}; the model has ${blocks.map((b) => b.name).join(', ')}`);
  }
  return found;
}

/**
 * Runs one clip, frames [T, 3, H, W] normalised as the model's input, through the model and returns the
 * maps of the chosen attention block (`block`: its name or forward-order position; the first by default).
 */
export function captureAttention(model: TSN, frames: Tensor, options: { block?: string | number } = {}): BlockAttention {
  const { frames: count, height, width } = clipSizes('captureAttention', frames);
  if (count !== model.numSegments) {
    throw new Error(`captureAttention: the clip has ${count} frames; the model takes ${model.numSegments} (numSegments)`);
  }
  const chosen = findAttentionBlock(model, options.block);
  const module = chosen.module;
  const keptBefore = module.keepAttention;
  const wasTraining = model.training;
  const seen: { grid?: FeatureGrid } = {};
  // An own `forward` on the instance shadows the class's for this one pass; deleting it restores the class's.
  const own = module as unknown as { forward: (x: Tensor) => Tensor };
  const classForward = module.forward;
  own.forward = (x: Tensor) => {
    seen.grid = { rows: x.shape[2], cols: x.shape[3] };
    return classForward.call(module, x);
  };
  module.keepAttention = true;
  model.eval();
  try {
    noGrad(() => model.forward(frames.reshape([1, count, 3, height, width])));
    const maps = module.attentionMaps;
    if (!maps || !seen.grid) throw new Error(`captureAttention: block ${chosen.name} kept no attention maps`);
    return { maps, grid: seen.grid, name: chosen.name, kind: kindOf(module) };
  } finally {
    delete (own as { forward?: unknown }).forward;
    module.keepAttention = keptBefore;
    if (!keptBefore) module.attentionMaps = null;
    model.train(wasTraining);
  }
}
