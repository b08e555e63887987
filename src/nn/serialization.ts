/**
 * nn.save / nn.load: a model's state dict to and from a safetensors file, the format PyTorch users
 * share weights in (a torchvision ResNet converted by scripts/convert-torchvision.py loads as it is).
 */
import { Tensor } from '../tensor/tensor';
import { EncodeOptions, SafetensorsMetadata, loadSafetensors, saveSafetensors } from './safetensors';
import type { StateDict } from './state-dict';

/** Anything with a state dict: a Module, or a wrapper around one. */
export interface HasStateDict {
  stateDict(): StateDict;
}

export interface SaveOptions extends EncodeOptions {
  /** Strings stored in the file's `__metadata__` (what the weights are, where they came from). */
  metadata?: SafetensorsMetadata;
}

function isHasStateDict(value: unknown): value is HasStateDict {
  return typeof (value as { stateDict?: unknown } | null)?.stateDict === 'function';
}

/**
 * Saves a module's state dict (or a state dict) to `file`. The file is written under a temporary name
 * in the same folder and renamed, so a crash never leaves half a file where the old one was.
 */
export function save(moduleOrStateDict: HasStateDict | StateDict, file: string, options: SaveOptions = {}): void {
  if (typeof moduleOrStateDict !== 'object' || moduleOrStateDict === null) {
    throw new Error(`nn.save: expected a module or a state dict to save to ${JSON.stringify(file)}; got ${moduleOrStateDict}`);
  }
  const stateDict = isHasStateDict(moduleOrStateDict) ? moduleOrStateDict.stateDict() : moduleOrStateDict;
  for (const [name, value] of Object.entries(stateDict)) {
    if (!(value instanceof Tensor)) {
      throw new Error(`nn.save: state dict entry ${JSON.stringify(name)} is not a Tensor; ` +
        'pass a module (anything with stateDict()) or an object of tensors by name');
    }
  }
  const { metadata, ...encodeOptions } = options;
  saveSafetensors(file, stateDict, metadata, encodeOptions);
}

/** Loads a state dict from a safetensors file, for `module.loadStateDict(nn.load(file))`. */
export function load(file: string): StateDict {
  return loadSafetensors(file).tensors;
}
