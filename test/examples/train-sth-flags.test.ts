/**
 * train-sth's flag table without a child process: values are checked as they are parsed, each flag lands
 * at its setting, and --resume's comparison knows which flags may differ from a saved run.
 */
import path from 'path';
import { describe, expect, it } from 'vitest';
import { applySettings, contradictions, FLAGS, flagHelp, parseFlags } from '../../examples/train-sth-flags';
import { PAPER_CONFIG, RunSettings } from '../../src/ssan/train/experiment';
import { paperRecipe } from '../../src/ssan/train/recipe';

const saved: RunSettings = {
  config: { ...PAPER_CONFIG, numClasses: 4, resize: 20, crop: 16 },
  recipe: paperRecipe({ batchSize: 6, accumulate: 8 }),
  epochs: 2,
  seed: 0,
  data: { root: path.resolve('some/data'), format: 'sthv1', trainVideos: 8, valVideos: 4, classes: 4 },
};

describe('examples/train-sth-flags.ts', () => {
  it('every flag is in the help once, and the help has a line for each', () => {
    const help = flagHelp();
    for (const f of FLAGS) expect(help.match(new RegExp(`^  --${f.name}\\b`, 'gm'))).toHaveLength(1);
  });

  it('parses each flag to its checked value and writes it at its setting', () => {
    const flags = parseFlags(['--resize', '24', '--depth', '18', '--lr', '0.5', '--data', 'some/data', '--workers', '3', '--resume']);
    expect(flags).toMatchObject({ workers: 3, resume: true, overwrite: false });
    const run = structuredClone(saved);
    applySettings(run, flags.settings);
    expect([run.config.resize, run.config.depth, run.recipe.lr, run.data.root]).toEqual([24, 18, 0.5, path.resolve('some/data')]);
    expect(() => parseFlags(['--accumulate', '0'])).toThrow("--accumulate must be an integer >= 1; got '0'");
    expect(() => parseFlags(['--depth', '20'])).toThrow('--depth must be one of 18, 34, 50, 101');
    expect(parseFlags(['--backend', 'gpu'])).toMatchObject({ backend: 'gpu' });
    expect(() => parseFlags(['--backend', 'cuda'])).toThrow('--backend must be one of auto, ts, cpu, gpu');
  });

  it('on --resume, a flag contradicts the saved run unless it agrees, may change (--epochs) or sets nothing (--workers)', () => {
    const names = (argv: string[]) => contradictions(parseFlags(argv).settings, saved).map((c) => [c.flag.name, c.saved, c.given]);
    expect(names(['--resize', '20', '--crop', '16', '--data', 'some/data', '--epochs', '9', '--workers', '4', '--backend', 'ts'])).toEqual([]);
    expect(names(['--resize', '24', '--accumulate', '1', '--data', 'other'])).toEqual([
      ['data', saved.data.root, path.resolve('other')], ['resize', 20, 24], ['accumulate', 8, 1],
    ]);
    // A run saved without these fields used the defaults, so giving the defaults agrees with it.
    expect(names(['--attn-scale', 'len', '--attn-init-std', '0.01', '--attn-out-init', '0'])).toEqual([]);
    expect(names(['--attn-out-init', '0.1'])).toEqual([['attn-out-init', 0, 0.1]]);
    // Lists compare by value: a run saved without decay epochs agrees with none given, not with '10'.
    expect(names(['--decay-epochs', '10'])).toEqual([['decay-epochs', [], [10]]]);
    expect(contradictions(parseFlags(['--decay-epochs', '8,10']).settings, { ...saved, recipe: { ...saved.recipe, decayEpochs: [8, 10] } })).toEqual([]);
    expect(() => parseFlags(['--decay-epochs', '10,x'])).toThrow("--decay-epochs must be a comma-separated list of integers >= 1; got '10,x'");
    expect(() => parseFlags(['--attn-out-init=-1'])).toThrow("--attn-out-init must be a number >= 0; got '-1'");
    expect(names(['--attn-scale', 'none', '--pretrained', 'w.safetensors'])).toEqual([
      ['attn-scale', 'len', 'none'], ['pretrained', undefined, path.resolve('w.safetensors')],
    ]);
  });
});
