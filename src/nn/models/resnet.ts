/**
 * ResNet-18/34/50/101/152 with torchvision's exact layout and parameter names, so that a torchvision
 * checkpoint converted to safetensors loads with loadStateDict as it is (`layer3.5.bn2.running_var`,
 * `layer1.0.downsample.0.weight`, ...). This is the "v1.5" ResNet: a bottleneck strides in its 3x3
 * conv (conv2), not in its first 1x1 (docs/model.md#backbone).
 *
 * `width` scales every stage: torchvision's 64 gives stages of 64, 128, 256, 512 channels (times 4 at
 * a bottleneck's output); 8 or 16 gives a model small enough for CPU demos and tests.
 *
 * Each ReLU that follows a BatchNorm runs fused with it (`bnN.forwardRelu`), and a block's last step,
 * relu(out + identity), is one op (F.addRelu): fewer passes over memory, the same numbers. The `relu`
 * modules stay, unused by forward, so the module tree and its printout are torchvision's.
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../module';
import * as init from '../init';
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU, Sequential,
} from '../layers';
import { addRelu } from '../functional/residual';

/** 3x3 convolution, padding 1, no bias (a BatchNorm follows). */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

/** 1x1 convolution, no bias. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** The residual block of ResNet-18/34: two 3x3 convs, the first strided. */
export class BasicBlock extends Module {
  /** Output channels = planes × expansion. */
  static readonly expansion = 1;
  /** An optional module run on the residual branch's input before conv1 (TSM's temporal shift); null by default. */
  shift: Module | null;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  /** An optional module run after conv1-bn1-relu, at the block's width (attention); null by default. */
  attention: Module | null;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  /** Brings the input to the output's shape (1x1 strided conv + BN) when the two differ; null otherwise. */
  readonly downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.shift = null;
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.attention = null;
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }

  /** The BatchNorm that ends the residual branch; zeroInitResidual zeroes its weight. */
  get lastBn(): BatchNorm2d {
    return this.bn2;
  }

  forward(x: Tensor): Tensor {
    const branch = this.shift ? this.shift.forward(x) : x;
    let out = this.bn1.forwardRelu(this.conv1.forward(branch));
    if (this.attention) out = this.attention.forward(out);
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return addRelu(out, identity);
  }
}

/** The residual block of ResNet-50 and deeper: 1x1 reduce, 3x3 (strided), 1x1 expand by 4. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  /**
   * An optional module run on the residual branch's input before conv1, the shortcut keeping the
   * unshifted input: TSM's temporal shift. null by default; it has no parameters in TSM.
   */
  shift: Module | null;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  /**
   * An optional module run between conv1-bn1-relu and conv2, at the bottleneck's width: where SSAN puts
   * its attention (SSA, non-local; docs/model.md#backbone). null, the default, runs nothing and adds nothing
   * to the state dict or the printed model, which then stays torchvision's.
   */
  attention: Module | null;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
  readonly downsample: Sequential | null;

  /** `planes` is the bottleneck width; the block outputs planes × 4 channels. */
  constructor(inPlanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.shift = null;
    this.conv1 = conv1x1(inPlanes, planes);
    this.bn1 = new BatchNorm2d(planes);
    // Assigned here, between bn1 and conv2, so that a module put in it later lists in that order.
    this.attention = null;
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU();
    this.downsample = downsample;
  }

  get lastBn(): BatchNorm2d {
    return this.bn3;
  }

  forward(x: Tensor): Tensor {
    const branch = this.shift ? this.shift.forward(x) : x;
    let out = this.bn1.forwardRelu(this.conv1.forward(branch));
    if (this.attention) out = this.attention.forward(out);
    out = this.bn2.forwardRelu(this.conv2.forward(out));
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return addRelu(out, identity);
  }
}

export type ResidualBlock = BasicBlock | Bottleneck;
export type ResNetDepth = 18 | 34 | 50 | 101 | 152;
type BlockClass = typeof BasicBlock | typeof Bottleneck;
type StageBlocks = readonly [number, number, number, number];

/** Torchvision's block type and blocks per stage for each depth. */
const ARCHITECTURES: Record<ResNetDepth, { block: BlockClass; blocks: StageBlocks }> = {
  18: { block: BasicBlock, blocks: [2, 2, 2, 2] },
  34: { block: BasicBlock, blocks: [3, 4, 6, 3] },
  50: { block: Bottleneck, blocks: [3, 4, 6, 3] },
  101: { block: Bottleneck, blocks: [3, 4, 23, 3] },
  152: { block: Bottleneck, blocks: [3, 8, 36, 3] },
};

export interface ResNetConfig {
  /** 18 and 34 use BasicBlock, 50 and deeper Bottleneck. */
  depth: ResNetDepth;
  /** Outputs of the final fc (default 1000, ImageNet). */
  numClasses?: number;
  /** Channels of the stem and the first stage (default 64, torchvision's); the stages double it three times. */
  width?: number;
  /** Start each residual branch at zero (its last BN weight = 0), so every block starts as the identity. */
  zeroInitResidual?: boolean;
  /** Blocks per stage instead of the depth's (tiny test models, e.g. [1, 1, 1, 1]). */
  blocks?: StageBlocks;
}

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential<ResidualBlock>;
  readonly layer2: Sequential<ResidualBlock>;
  readonly layer3: Sequential<ResidualBlock>;
  readonly layer4: Sequential<ResidualBlock>;
  readonly avgpool: AdaptiveAvgPool2d;
  /** The classifier, Linear(numFeatures, numClasses); replace it to fine-tune on other classes. */
  fc: Module;
  /** Size of the pooled features that fc receives: 8 × width × the block's expansion (2048 for ResNet-50). */
  readonly numFeatures: number;

  constructor(config: ResNetConfig) {
    super();
    const { depth, numClasses = 1000, width = 64, zeroInitResidual = false } = config;
    const arch = ARCHITECTURES[depth];
    if (!arch) {
      throw new Error(`ResNet: depth must be one of ${Object.keys(ARCHITECTURES).join(', ')}; got ${String(depth)}`);
    }
    const blocks = config.blocks ?? arch.blocks;
    if (blocks.length !== 4 || blocks.some((b) => !Number.isInteger(b) || b < 1)) {
      throw new Error(`ResNet: blocks must be 4 positive integers (one per stage); got ${JSON.stringify(blocks)}`);
    }
    if (!Number.isInteger(width) || width < 1) throw new Error(`ResNet: width must be a positive integer; got ${width}`);
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new Error(`ResNet: numClasses must be a positive integer; got ${numClasses}`);
    }
    const Block = arch.block;
    let inPlanes = width;
    /** One stage: `count` blocks of `planes`; the first strides and, when the shape changes, downsamples. */
    const stage = (planes: number, count: number, stride: number): Sequential<ResidualBlock> => {
      const outPlanes = planes * Block.expansion;
      const downsample = stride !== 1 || inPlanes !== outPlanes
        ? new Sequential(conv1x1(inPlanes, outPlanes, stride), new BatchNorm2d(outPlanes))
        : null;
      const layer = new Sequential<ResidualBlock>(new Block(inPlanes, planes, stride, downsample));
      inPlanes = outPlanes;
      for (let i = 1; i < count; i++) layer.append(new Block(inPlanes, planes));
      return layer;
    };

    this.conv1 = new Conv2d(3, width, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(width);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = stage(width, blocks[0], 1);
    this.layer2 = stage(2 * width, blocks[1], 2);
    this.layer3 = stage(4 * width, blocks[2], 2);
    this.layer4 = stage(8 * width, blocks[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.numFeatures = 8 * width * Block.expansion;
    this.fc = new Linear(this.numFeatures, numClasses);
    this.initWeights(zeroInitResidual);
  }

  /**
   * Torchvision's initialisation: He normal (fan_out, relu) for every conv, BN scale 1 and shift 0;
   * fc keeps Linear's default. zeroInitResidual zeroes the last BN scale of each block.
   */
  private initWeights(zeroInitResidual: boolean): void {
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      } else if (m instanceof BatchNorm2d) {
        if (m.weight) init.ones_(m.weight);
        if (m.bias) init.zeros_(m.bias);
      }
    }
    if (zeroInitResidual) {
      for (const m of this.modules()) {
        if ((m instanceof Bottleneck || m instanceof BasicBlock) && m.lastBn.weight) init.zeros_(m.lastBn.weight);
      }
    }
  }

  /** The stages, for code that walks or modifies the blocks (inserting attention into bottlenecks). */
  get stages(): Sequential<ResidualBlock>[] {
    return [this.layer1, this.layer2, this.layer3, this.layer4];
  }

  /** Images [N, 3, H, W] -> pooled features [N, numFeatures]: everything up to, not including, fc. */
  forwardFeatures(x: Tensor): Tensor {
    let out = this.maxpool.forward(this.bn1.forwardRelu(this.conv1.forward(x)));
    for (const layer of this.stages) out = layer.forward(out);
    return this.avgpool.forward(out).flatten(1);
  }

  /** Images [N, 3, H, W] -> logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.forwardFeatures(x));
  }
}

/** A ResNet with torchvision's layout: `resnet({ depth: 50 })` is torchvision's resnet50(). */
export function resnet(config: ResNetConfig): ResNet {
  return new ResNet(config);
}
