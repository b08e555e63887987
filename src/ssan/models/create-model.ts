/**
 * One entry point for every model the paper compares (Table 2, Table 5): a ResNet in the TSN framework
 * with nothing added ('tsn'), TSM's shift ('tsm'), SSA ('ssan') or a non-local block ('nl3d', 'nl2d',
 * 'nl1d', 'nl2d1d') at the chosen blocks.
 *
 *     const model = createModel({ arch: 'ssan', depth: 50, numClasses: 174, numSegments: 8 });
 *     model.forward(clips);   // clips [N, 8, 3, 224, 224] -> logits [N, 174]
 */
import { ResNet, ResNetDepth } from '../../nn/models/resnet';
import { TSN } from './tsn';
import { SSA, SSAOptions } from './ssa';
import { NonLocal, NonLocalKind, NonLocalOptions } from './non-local';
import { TemporalShift } from './tsm';
import { Placement, defaultPlacement, placedBlocks } from './placement';

export type Arch = 'ssan' | 'tsn' | 'tsm' | 'nl3d' | 'nl2d' | 'nl1d' | 'nl2d1d';
export const ARCHS: readonly Arch[] = ['ssan', 'tsn', 'tsm', 'nl3d', 'nl2d', 'nl1d', 'nl2d1d'];

export interface CreateModelOptions {
  arch: Arch;
  depth: Exclude<ResNetDepth, 152>;
  /** The ResNet's base width (default 64, torchvision's; smaller for CPU-sized models). */
  width?: number;
  numClasses: number;
  /** Frames per clip, T. */
  numSegments: number;
  /**
   * Where attention goes. Default: 'A_odd' (layer2 {1,3}, layer3 {1,3,5}) where the ResNet has those
   * blocks, so ResNet-18 gets layer2 {1}, layer3 {1} (see defaultPlacement). Not used by tsn and tsm.
   */
  placement?: Placement;
  /** SSA's switches (arch 'ssan'). */
  ssa?: Omit<SSAOptions, 'numSegments'>;
  /** The non-local blocks' options (arch 'nl*'). */
  nl?: Omit<NonLocalOptions, 'kind' | 'numSegments'>;
  /** Channels shifted each way by TSM: C / shiftDiv (default 8). */
  shiftDiv?: number;
  /** Dropout before the classifier (default 0.5). */
  dropout?: number;
  /** Blocks per stage instead of the depth's (tiny models for tests and demos). */
  blocks?: readonly [number, number, number, number];
}

const NON_LOCAL_KINDS: Partial<Record<Arch, NonLocalKind>> = { nl3d: '3d', nl2d: '2d', nl1d: '1d', nl2d1d: '2d1d' };

export function createModel(opts: CreateModelOptions): TSN {
  const { arch, depth, width, numClasses, numSegments, placement, dropout } = opts ?? ({} as CreateModelOptions);
  if (!ARCHS.includes(arch)) throw new Error(`createModel: arch must be one of ${ARCHS.join(', ')}; got '${String(arch)}'`);
  if (!Number.isInteger(numSegments) || numSegments < 1) {
    throw new Error(`createModel: numSegments must be a positive integer; got ${numSegments}`);
  }
  const backbone = new ResNet({ depth, width, blocks: opts.blocks });
  const where = () => placement ?? defaultPlacement(backbone);

  if (arch === 'tsm') {
    // TSM shifts in every block; in very deep nets (layer3 >= 23 blocks) every other one, as its authors do.
    const every = backbone.layer3.length >= 23 ? 2 : 1;
    for (const stage of backbone.stages) {
      let i = 0;
      for (const block of stage) {
        if (i++ % every === 0) block.shift = new TemporalShift({ numSegments, shiftDiv: opts.shiftDiv });
      }
    }
  } else if (arch === 'ssan') {
    for (const { block, channels } of placedBlocks(backbone, where())) {
      block.attention = new SSA(channels, { ...opts.ssa, numSegments });
    }
  } else if (arch !== 'tsn') {
    const kind = NON_LOCAL_KINDS[arch] as NonLocalKind;
    for (const { block, channels } of placedBlocks(backbone, where())) {
      block.attention = new NonLocal(channels, { ...opts.nl, kind, numSegments });
    }
  }
  return new TSN(backbone, { numClasses, numSegments, dropout });
}
