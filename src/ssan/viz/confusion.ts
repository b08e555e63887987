/**
 * The confusion matrix of an evaluated model as a heatmap: true classes down the rows, predicted classes
 * along the columns, cells shaded by count or by the share of the true class's videos (row-normalised).
 * Cells shrink with the number of classes, so 12 classes get large cells with their numbers in them and
 * 174 still fit on a (large) picture with every class named.
 */
import type { Predictions } from '../train/evaluate';
import { chartToPng, type PngOptions, type VegaLiteSpec } from './render';
import { nameAxis } from './text-width';

/** The colours of an empty cell and of the fullest one; shades lie between. */
export const EMPTY_CELL_COLOUR = '#ffffff';
export const FULL_CELL_COLOUR = '#08306b';

/**
 * counts[true][predicted] of one model's predictions: the predicted class is the highest score, the first
 * of equal ones (as top-1 counts it).
 */
export function confusionMatrix(predictions: Pick<Predictions, 'numClasses' | 'logProbs' | 'labels'>): number[][] {
  const n = predictions.numClasses;
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const [key, label] of predictions.labels) {
    const scores = predictions.logProbs.get(key);
    if (scores === undefined) continue;
    let best = 0;
    for (let j = 1; j < n; j++) if (scores[j] > scores[best]) best = j;
    counts[label][best]++;
  }
  return counts;
}

export interface ConfusionOptions {
  /** Shade by the share of each true class's videos instead of by count (default false). */
  rates?: boolean;
  title?: string;
}

/** Cell size in pixels: large enough for a number up to about 20 classes, down to a line of small text at 174. */
function cellSize(classes: number): number {
  return Math.max(11, Math.min(40, Math.floor(900 / classes)));
}

/** The Vega-Lite spec of the heatmap of counts[true][predicted]. */
export function confusionSpec(classes: readonly string[], counts: readonly (readonly number[])[], options: ConfusionOptions = {}): VegaLiteSpec {
  const n = classes.length;
  if (n === 0) throw new Error('confusionSpec: expected at least one class');
  if (counts.length !== n || counts.some((row) => row.length !== n)) {
    throw new Error(`confusionSpec: expected a ${n} x ${n} matrix of counts for ${n} class names`);
  }
  const rates = options.rates ?? false;
  const cells = [];
  for (let t = 0; t < n; t++) {
    const total = counts[t].reduce((s, c) => s + c, 0);
    for (let p = 0; p < n; p++) {
      const count = counts[t][p];
      // A class without videos has no rates: its row stays empty rather than showing made-up zeros.
      const value = rates ? (total === 0 ? null : count / total) : count;
      cells.push({ truth: classes[t], predicted: classes[p], count, value });
    }
  }
  const videos = counts.reduce((s, row) => s + row.reduce((a, c) => a + c, 0), 0);
  const correct = counts.reduce((s, row, k) => s + row[k], 0);
  const largest = Math.max(1, ...cells.map((c) => c.value ?? 0));
  const cell = cellSize(n);
  const fontSize = Math.min(11, cell - 2);
  const order = [...classes];
  const axis = { ...nameAxis(classes, fontSize), ticks: false, domain: false, labelPadding: 4 };
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'rect', stroke: n <= 40 ? '#eeeeee' : null, strokeWidth: 0.5 },
      encoding: {
        color: {
          field: 'value', type: 'quantitative', title: rates ? 'share of row' : 'videos', titleLimit: 200,
          // Interpolated in RGB: the default (HCL) tints the empty end, and empty cells should be white.
          scale: { domain: [0, rates ? 1 : largest], range: [EMPTY_CELL_COLOUR, FULL_CELL_COLOUR], interpolate: 'rgb' },
          legend: { orient: 'right', format: rates ? '%' : 'd', gradientLength: Math.min(200, cell * n), tickMinStep: rates ? undefined : 1 },
        },
      },
    },
  ];
  // Numbers in the cells while there is room for them; an empty cell stays blank so the errors stand out.
  if (cell >= 26) {
    layers.push({
      transform: [{ filter: 'datum.count > 0' }],
      mark: { type: 'text', fontSize: Math.min(11, cell / 3) },
      encoding: {
        text: rates ? { field: 'value', type: 'quantitative', format: '.0%' } : { field: 'count', type: 'quantitative' },
        // Light text on dark cells, dark on light.
        color: { condition: { test: `datum.value > ${0.5 * (rates ? 1 : largest)}`, value: '#ffffff' }, value: '#222222' },
      },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: options.title ?? 'Confusion matrix',
      subtitle: `${videos} videos, ${correct} on the diagonal (top-1 ${videos === 0 ? '-' : ((100 * correct) / videos).toFixed(1)}%)` +
        (rates ? '; each row shaded by the share of its class' : ''),
      anchor: 'start',
      offset: 12,
    },
    data: { values: cells },
    width: { step: cell },
    height: { step: cell },
    padding: 12,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted class', axis: { ...axis, labelAngle: -90 } },
      y: { field: 'truth', type: 'nominal', sort: order, title: 'true class', axis },
    },
    layer: layers,
    config: { font: 'DejaVu Sans', view: { stroke: '#999999' }, scale: { bandPaddingInner: 0 } },
  };
}

/** The heatmap as PNG bytes. */
export async function confusionPng(
  classes: readonly string[], counts: readonly (readonly number[])[], options: ConfusionOptions & PngOptions = {},
): Promise<Uint8Array> {
  return chartToPng(confusionSpec(classes, counts, options), options);
}
