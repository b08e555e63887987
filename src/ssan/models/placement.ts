/**
 * Which residual blocks get an attention module (docs/model.md#placements). The paper says "2 from Res2 and 3 from
 * Res3"; the default reads that as torchvision's layer2 and layer3, every other block from the second
 * ('A_odd', the non-local "5-block" setting), so no module runs before a stage's stride.
 */
import { ResNet, ResidualBlock } from '../../nn/models/resnet';

export type StageName = 'layer1' | 'layer2' | 'layer3' | 'layer4';
export type BlockIndices = Partial<Record<StageName, readonly number[]>>;
export type PlacementName = 'A_odd' | 'A_even' | 'B' | 'res2' | 'res3' | 'res4';
export type Placement = PlacementName | BlockIndices;

export const PLACEMENTS: Record<PlacementName, BlockIndices> = {
  A_odd: { layer2: [1, 3], layer3: [1, 3, 5] },
  // TSM / mmaction2's indices; block 0 runs before the stride, at twice the resolution.
  A_even: { layer2: [0, 2], layer3: [0, 2, 4] },
  // Res2/Res3 read literally as conv2_x/conv3_x.
  B: { layer1: [0, 2], layer2: [1, 2, 3] },
  // Table 6's single-stage variants.
  res2: { layer2: [1, 3] },
  res3: { layer3: [1, 3, 5] },
  res4: { layer4: [0, 2] },
};

const STAGES: readonly StageName[] = ['layer1', 'layer2', 'layer3', 'layer4'];

/**
 * The placement a model gets when none is given: A_odd's blocks that this ResNet has. ResNet-34, -50 and
 * -101 have them all; ResNet-18's stages have two blocks, so it gets block 1 of layer2 and of layer3 (one
 * module per stage, still after the stage's strided first block).
 */
export function defaultPlacement(model: ResNet): BlockIndices {
  const indices: BlockIndices = {};
  for (const [stage, wanted] of Object.entries(PLACEMENTS.A_odd) as [StageName, readonly number[]][]) {
    const present = wanted.filter((i) => i < model[stage].length);
    if (present.length > 0) indices[stage] = present;
  }
  if (Object.keys(indices).length === 0) {
    throw new Error('placement: this ResNet has no block of the default placement (layer2 {1, 3}, layer3 {1, 3, 5}); give a placement');
  }
  return indices;
}

/** A selected block, with its stage, index and the width its attention module sees. */
export interface PlacedBlock {
  stage: StageName;
  index: number;
  block: ResidualBlock;
  /** Channels after the block's conv1: the bottleneck width. */
  channels: number;
}

/** The blocks a placement selects in this ResNet, in forward order; a clear error for a missing one. */
export function placedBlocks(model: ResNet, placement: Placement = 'A_odd'): PlacedBlock[] {
  let indices: BlockIndices;
  if (typeof placement === 'string') {
    if (!(placement in PLACEMENTS)) {
      throw new Error(`placement: expected one of ${Object.keys(PLACEMENTS).join(', ')} or { layer2: [...], ... }; got '${placement}'`);
    }
    indices = PLACEMENTS[placement];
  } else if (placement && typeof placement === 'object') {
    const unknown = Object.keys(placement).filter((k) => !(STAGES as readonly string[]).includes(k));
    if (unknown.length > 0) throw new Error(`placement: unknown stage ${unknown.join(', ')}; stages are ${STAGES.join(', ')}`);
    indices = placement;
  } else {
    throw new Error(`placement: expected a name or { layer2: [...], ... }; got ${String(placement)}`);
  }
  const placed: PlacedBlock[] = [];
  for (const stage of STAGES) {
    const wanted = indices[stage] ?? [];
    const blocks = model[stage];
    for (const index of [...new Set(wanted)].sort((a, b) => a - b)) {
      if (!Number.isInteger(index) || index < 0 || index >= blocks.length) {
        throw new Error(
          `placement: ${stage} has blocks 0..${blocks.length - 1}; block ${index} does not exist ` +
            '(a model with fewer blocks needs a placement of its own)',
        );
      }
      const block = blocks.get(index);
      placed.push({ stage, index, block, channels: block.conv1.outChannels });
    }
  }
  return placed;
}
