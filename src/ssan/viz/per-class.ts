/**
 * The paper's Figure 4: per-class validation top-1 of two runs, as the difference of run A minus run B
 * per class, sorted from A's largest lead down to B's. Bars are horizontal, so that class names (long in
 * Something-Something) read on the y axis, and coloured by which run leads.
 */
import { chartToPng, type PngOptions, type VegaLiteSpec } from './render';
import { nameAxis } from './text-width';

/** One run's per-class top-1 (fractions; null for a class without validation videos) and its name. */
export interface ClassScores {
  name: string;
  perClass: readonly (number | null)[];
}

/** The colour of a class where run A is ahead, and of one where run B is. */
export const A_AHEAD_COLOUR = '#2166ac';
export const B_AHEAD_COLOUR = '#d6604d';

export interface ClassDifference {
  classIndex: number;
  className: string;
  a: number;
  b: number;
  /** a - b, in fractions of the class's videos. */
  difference: number;
}

/**
 * A's top-1 minus B's for every class both have videos of, largest first (ties by class index). Classes
 * either run has no score for are left out: the difference would be made up.
 */
export function perClassDifferences(classes: readonly string[], a: ClassScores, b: ClassScores): ClassDifference[] {
  for (const run of [a, b]) {
    if (run.perClass.length !== classes.length) {
      throw new Error(`perClassDifferences: run '${run.name}' has scores for ${run.perClass.length} classes; ${classes.length} class names were given`);
    }
  }
  const rows: ClassDifference[] = [];
  classes.forEach((className, k) => {
    const sa = a.perClass[k];
    const sb = b.perClass[k];
    if (sa === null || sb === null || sa === undefined || sb === undefined) return;
    rows.push({ classIndex: k, className, a: sa, b: sb, difference: sa - sb });
  });
  return rows.sort((x, y) => y.difference - x.difference || x.classIndex - y.classIndex);
}

/**
 * The per-class top-1 of a run's last epoch in its metrics.jsonl records (fit's `perClassTop1`); an error
 * when the run has no epoch or its last one recorded none.
 */
export function lastPerClassTop1(records: readonly Record<string, unknown>[], what = 'the run'): (number | null)[] {
  const last = records[records.length - 1];
  if (last === undefined) throw new Error(`lastPerClassTop1: ${what} has no finished epoch in its metrics`);
  const scores = last.perClassTop1;
  if (!Array.isArray(scores) || !scores.every((s) => s === null || typeof s === 'number')) {
    throw new Error(`lastPerClassTop1: the last epoch of ${what} (epoch ${String(last.epoch)}) records no perClassTop1`);
  }
  return scores as (number | null)[];
}

/** Pixels per bar: room for a line of label text, and a tall but scrollable picture for 174 classes. */
function barStep(classes: number): number {
  return classes <= 40 ? 18 : 13;
}

/**
 * Axis ticks from -L to L, zero in the middle, a round step apart: the axis is symmetric so that A's
 * leads and B's compare by length at a glance.
 */
function symmetricTicks(largest: number): number[] {
  const step = [1, 2, 5, 10, 20, 25, 50].find((s) => 3 * s >= largest - 1e-9) ?? 50;
  // (The tolerance keeps 0.9 - 0.3, a hair over 60 points, from adding a tick.)
  const half = Math.max(1, Math.ceil(largest / step - 1e-9));
  return Array.from({ length: 2 * half + 1 }, (_, i) => (i - half) * step);
}

/** The Vega-Lite spec of the sorted differences (run names must differ: the legend tells them apart by name). */
export function perClassSpec(classes: readonly string[], a: ClassScores, b: ClassScores): VegaLiteSpec {
  if (a.name === b.name) throw new Error(`perClassSpec: both runs are named '${a.name}'; name them apart`);
  const rows = perClassDifferences(classes, a, b);
  if (rows.length === 0) throw new Error('perClassSpec: no class has a score in both runs');
  const aAhead = `${a.name} ahead`;
  const bAhead = `${b.name} ahead`;
  const tied = 'tied';
  const values = rows.map((r) => ({
    ...r,
    // Percentage points read more easily than fractions on the axis.
    points: 100 * r.difference,
    leader: r.difference > 0 ? aAhead : r.difference < 0 ? bAhead : tied,
  }));
  const groups = [
    { who: aAhead, colour: A_AHEAD_COLOUR },
    { who: bAhead, colour: B_AHEAD_COLOUR },
    { who: tied, colour: '#999999' },
  ].map((g) => ({ ...g, count: values.filter((v) => v.leader === g.who).length }));
  // The legend lists only the groups there are, each with its fixed colour.
  const present = groups.filter((g) => g.count > 0);
  const ticks = symmetricTicks(Math.max(...values.map((v) => Math.abs(v.points))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Per-class validation top-1: ${a.name} minus ${b.name}`,
      subtitle: `${a.name} ahead on ${groups[0].count} classes, ${b.name} on ${groups[1].count}, tied on ${groups[2].count}` +
        (rows.length < classes.length ? `; ${classes.length - rows.length} left out (no validation videos)` : ''),
      anchor: 'start',
      offset: 12,
    },
    data: { values },
    width: 360,
    height: { step: barStep(rows.length) },
    padding: 12,
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.8 } },
        encoding: {
          y: {
            // A dataset's class names are unique (its label list), so they key the bars.
            field: 'className', type: 'nominal', title: null,
            sort: values.map((v) => v.className),
            axis: { ...nameAxis(classes, 11), ticks: false, domain: false, labelPadding: 6 },
          },
          x: {
            field: 'points', type: 'quantitative', title: `top-1 of ${a.name} minus ${b.name} (percentage points)`,
            scale: { domain: [ticks[0], ticks[ticks.length - 1]], nice: false },
            axis: { values: ticks },
          },
          color: {
            field: 'leader', type: 'nominal', title: null,
            scale: { domain: present.map((g) => g.who), range: present.map((g) => g.colour) },
            legend: { orient: 'top', labelLimit: 300 },
          },
        },
      },
      // The zero line the bars grow from.
      { mark: { type: 'rule', color: '#333333' }, encoding: { x: { datum: 0 } } },
    ],
    config: { font: 'DejaVu Sans', view: { stroke: null }, axis: { labelFontSize: 11 } },
  };
}

/** The per-class differences as PNG bytes. */
export async function perClassPng(classes: readonly string[], a: ClassScores, b: ClassScores, options: PngOptions = {}): Promise<Uint8Array> {
  return chartToPng(perClassSpec(classes, a, b), options);
}
