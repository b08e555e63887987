/**
 * Training curves: the per-epoch records of one run's metrics.jsonl, or of several runs overlaid, as four
 * panels: loss (train and validation), top-1 and top-5 (validation, and training where a run recorded
 * it), and the learning rate on a log scale. Colour tells the runs apart, the dash train from validation.
 */
import path from 'path';
import { readJsonLines, runFiles } from '../../train/run-files';
import { chartToPng, type PngOptions, type VegaLiteSpec } from './render';

/** One run's records (metrics.jsonl lines: epoch, trainLoss, valLoss, valTop1, valTop5, lr, ...) and its name. */
export interface RunMetrics {
  name: string;
  records: readonly Record<string, unknown>[];
}

/**
 * The runs' line colours, in order (fixed, so a reader of the picture, or a test, can find a run by
 * its colour); more runs than colours reuse them from the start.
 */
export const RUN_COLOURS: readonly string[] = Object.freeze([
  '#1f5fbf', '#e0561b', '#2a9d3c', '#c0267e', '#7b52c4', '#8c6a1c', '#17a2b8', '#5f6b75',
]);

/** Which panel each recorded field goes to, and whether it is measured on training or validation data. */
const FIELDS: readonly { field: string; panel: CurvePanel; split: 'train' | 'validation' }[] = [
  { field: 'trainLoss', panel: 'loss', split: 'train' },
  { field: 'valLoss', panel: 'loss', split: 'validation' },
  { field: 'trainTop1', panel: 'top-1', split: 'train' },
  { field: 'valTop1', panel: 'top-1', split: 'validation' },
  { field: 'trainTop5', panel: 'top-5', split: 'train' },
  { field: 'valTop5', panel: 'top-5', split: 'validation' },
  { field: 'lr', panel: 'learning rate', split: 'train' },
];

export type CurvePanel = 'loss' | 'top-1' | 'top-5' | 'learning rate';

export interface CurvePoint {
  run: string;
  epoch: number;
  panel: CurvePanel;
  split: 'train' | 'validation';
  value: number;
}

/** The runs' records as one long table: a row per run, epoch and recorded number. */
export function curvePoints(runs: readonly RunMetrics[]): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const run of runs) {
    for (const record of run.records) {
      const epoch = record.epoch;
      if (typeof epoch !== 'number' || !Number.isFinite(epoch)) continue;
      for (const { field, panel, split } of FIELDS) {
        const value = record[field];
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        // A log axis has no place for a zero lr (a warm-up's very start).
        if (panel === 'learning rate' && value <= 0) continue;
        points.push({ run: run.name, epoch, panel, split, value });
      }
    }
  }
  return points;
}

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 190;

/** The Vega-Lite spec of the curves of one run or several (names must differ: they key the colours). */
export function curvesSpec(runs: readonly RunMetrics[], options: { title?: string } = {}): VegaLiteSpec {
  if (runs.length === 0) throw new Error('curvesSpec: expected at least one run');
  const names = runs.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`curvesSpec: two runs are named '${twice}'; their curves would share a colour`);
  const points = curvePoints(runs);
  const epochs = points.map((p) => p.epoch);
  const x = {
    field: 'epoch', type: 'quantitative', title: 'epoch',
    // Whole epochs, from the first recorded to the last, a few pixels in from the edges so that their
    // points are not cut in half; a lone epoch sits in the middle.
    scale: { domain: epochDomain(epochs), nice: false, padding: 8 },
    axis: { tickMinStep: 1, format: 'd' },
  };
  const color = {
    field: 'run', type: 'nominal', title: 'run',
    scale: { domain: names, range: names.map((_, i) => RUN_COLOURS[i % RUN_COLOURS.length]) },
    // Wrapped into rows of three: Vega's text-width estimate spaces the entries generously.
    legend: runs.length > 1 ? { orient: 'bottom', labelLimit: 400, columns: Math.min(3, runs.length) } : null,
  };
  const strokeDash = {
    field: 'split', type: 'nominal', title: null,
    scale: { domain: ['train', 'validation'], range: [[5, 3], [1, 0]] },
    // The legend's dash samples get no stroke colour of their own (colour belongs to the run): set one.
    legend: { orient: 'bottom', symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300, encode: { symbols: { update: { stroke: { value: '#444444' } } } } },
  };
  const panel = (name: CurvePanel, y: Record<string, unknown>, withDash: boolean): Record<string, unknown> => ({
    title: name,
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    transform: [{ filter: { field: 'panel', equal: name } }],
    // Every value lies within its axis (rates in [0, 1], the others' domains drawn from the data), so
    // nothing needs clipping, and points on an edge are drawn whole.
    mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 24 }, clip: false },
    encoding: {
      x, color,
      y: { field: 'value', type: 'quantitative', ...y },
      ...(withDash ? { strokeDash } : {}),
      detail: { field: 'split' },
    },
  });
  const lrTicks = decades(points.filter((p) => p.panel === 'learning rate').map((p) => p.value));
  const rate = { scale: { domain: [0, 1] }, axis: { format: '%' } };
  // Several runs' names are in the colour legend; a title listing them all would run off the picture.
  const title = options.title ?? (runs.length === 1 ? `training curves: ${runs[0].name}` : `training curves of ${runs.length} runs`);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', limit: 2 * PANEL_WIDTH + 60, offset: 14 },
    data: { values: points },
    padding: 12,
    columns: 2,
    concat: [
      panel('loss', { title: 'cross-entropy', scale: { zero: false } }, true),
      panel('learning rate', {
        title: null,
        scale: { type: 'log', ...(lrTicks.length > 0 ? { domain: [lrTicks[0], lrTicks[lrTicks.length - 1]] } : {}) },
        axis: { values: lrTicks, format: '.0e' },
      }, false),
      panel('top-1', { title: null, ...rate }, true),
      panel('top-5', { title: null, ...rate }, true),
    ],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' }, legend: { color: 'shared', strokeDash: 'shared' } },
    config: { font: 'DejaVu Sans', view: { stroke: '#cccccc' }, concat: { spacing: 28 } },
  };
}

function epochDomain(epochs: readonly number[]): [number, number] {
  if (epochs.length === 0) return [0, 1];
  const [first, last] = [Math.min(...epochs), Math.max(...epochs)];
  return first === last ? [first - 1, last + 1] : [first, last];
}

/**
 * The powers of ten from just below the smallest value to just above the largest: a log axis's ticks.
 * Vega would also label 2, 3 and 4 times each power, which crowds a panel spanning a decade or two.
 */
function decades(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.max(Math.ceil(Math.log10(Math.max(...values))), low + 1);
  return Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
}

/** The curves as PNG bytes. */
export async function curvesPng(runs: readonly RunMetrics[], options: { title?: string } & PngOptions = {}): Promise<Uint8Array> {
  return chartToPng(curvesSpec(runs, options), options);
}

/** A run folder's metrics.jsonl, named by the folder (or by `name`). */
export function readRunMetrics(dir: string, name = path.basename(path.resolve(dir))): RunMetrics {
  const file = runFiles(dir).metrics;
  const records = readJsonLines(file);
  if (records.length === 0) throw new Error(`readRunMetrics: ${file} is missing or holds no epoch; has the run finished an epoch?`);
  return { name, records };
}
