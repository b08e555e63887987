/**
 * The TSN framework (docs/model.md#tsn-wrapper-and-consensus): a clip of T frames, one per segment, runs through a 2D
 * backbone as a batch of N·T images; each frame gets its own logits and the clip's logits are their mean (the
 * "average consensus"). Time is mixed only where the backbone has modules that see several frames:
 * SSA, non-local blocks, TSM's shift. Plain TSN has none, so it cannot tell a clip from its reversal.
 */
import { Tensor } from '../../tensor/tensor';
import { Module } from '../../nn/module';
import { StateDict } from '../../nn/state-dict';
import * as init from '../../nn/init';
import { Dropout, Identity, Linear } from '../../nn/layers';
import { ResNet } from '../../nn/models/resnet';

export interface TSNOptions {
  numClasses: number;
  /** Frames per clip, T. */
  numSegments: number;
  /** Dropout before the classifier (default 0.5, the paper's). */
  dropout?: number;
}

/** What loadBackbone did with a pretrained state dict. */
export interface BackboneLoadResult {
  /** Backbone keys the state dict lacked: the attention blocks, which keep their own initialisation. */
  keptInit: string[];
  /** Keys of the state dict that were not used: the ImageNet classifier (fc.*). */
  skipped: string[];
}

export class TSN extends Module {
  /** The 2D network; its own classifier is replaced by Identity, so its forward returns pooled features. */
  readonly backbone: ResNet;
  readonly dropout: Dropout;
  /** The new classifier: Linear(numFeatures, numClasses), weight N(0, 0.001) and bias 0 as TSN's. */
  readonly fc: Linear;
  readonly numSegments: number;
  readonly numClasses: number;

  constructor(backbone: ResNet, opts: TSNOptions) {
    super();
    const { numClasses, numSegments, dropout = 0.5 } = opts ?? ({} as TSNOptions);
    if (!(backbone instanceof ResNet)) throw new Error('TSN: backbone must be a ResNet');
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`TSN: numClasses must be a positive integer; got ${numClasses}`);
    if (!Number.isInteger(numSegments) || numSegments < 1) throw new Error(`TSN: numSegments must be a positive integer; got ${numSegments}`);
    backbone.fc = new Identity();
    this.backbone = backbone;
    this.dropout = new Dropout(dropout);
    this.fc = new Linear(backbone.numFeatures, numClasses);
    // A small init keeps the first logits near zero, so the pretrained features are not disturbed early.
    init.normal_(this.fc.weight, 0, 0.001);
    if (this.fc.bias) init.zeros_(this.fc.bias);
    this.numSegments = numSegments;
    this.numClasses = numClasses;
  }

  /** Clips [N, T, 3, H, W] -> frames [N·T, 3, H, W], checking T. */
  private framesOf(clips: Tensor): Tensor {
    if (!(clips instanceof Tensor) || clips.ndim !== 5 || clips.shape[1] !== this.numSegments) {
      const got = clips instanceof Tensor ? `shape [${clips.shape.join(', ')}]` : String(clips);
      throw new Error(
        `TSN: expected clips of shape [N, ${this.numSegments}, C, H, W] (numSegments = ${this.numSegments}); got ${got}`,
      );
    }
    const [n, t, ...image] = clips.shape;
    return clips.reshape([n * t, ...image]);
  }

  /** Clips [N, T, 3, H, W] -> per-frame features [N, T, numFeatures] (no dropout, no classifier). */
  forwardFeatures(clips: Tensor): Tensor {
    const [n, t] = clips.shape;
    return this.backbone.forward(this.framesOf(clips)).reshape([n, t, -1]);
  }

  /** Clips [N, T, 3, H, W] -> logits [N, numClasses]: the mean of the T frames' logits. */
  forward(clips: Tensor): Tensor {
    const [n, t] = clips.shape;
    const features = this.backbone.forward(this.framesOf(clips));
    const frameLogits = this.fc.forward(this.dropout.forward(features));
    return frameLogits.reshape([n, t, this.numClasses]).mean(1);
  }

  /**
   * Loads ImageNet weights (a torchvision ResNet state dict, e.g. converted by
   * scripts/convert-torchvision.py) into the backbone. Its fc.* is skipped (this model has its own
   * classifier) and the attention blocks keep their initialisation; any other difference is an error
   * that names the keys, raised before anything is changed.
   */
  loadBackbone(stateDict: StateDict): BackboneLoadResult {
    const own = new Set(Object.keys(this.backbone.stateDict()));
    const skipped = Object.keys(stateDict).filter((k) => k.startsWith('fc.'));
    const used: StateDict = {};
    for (const [k, v] of Object.entries(stateDict)) if (!k.startsWith('fc.')) used[k] = v;
    const unexpected = Object.keys(used).filter((k) => !own.has(k));
    const missing = [...own].filter((k) => !(k in used));
    const keptInit = missing.filter((k) => k.includes('.attention.'));
    const wrong = missing.filter((k) => !k.includes('.attention.'));
    if (unexpected.length > 0 || wrong.length > 0) {
      const list = (keys: string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? `, ... (${keys.length} in all)` : '');
      throw new Error(
        'TSN.loadBackbone: the state dict does not fit this backbone' +
          (wrong.length > 0 ? `; missing: ${list(wrong)}` : '') +
          (unexpected.length > 0 ? `; unexpected: ${list(unexpected)}` : '') +
          ' (is it a ResNet of the same depth and width?)',
      );
    }
    this.backbone.loadStateDict(used, { strict: false });
    return { keptInit, skipped };
  }
}
