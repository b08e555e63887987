/**
 * ssan.viz: pictures of runs as PNG bytes, each a Vega-Lite chart (its spec builder exported too):
 * training curves, the per-class comparison of two runs (the paper's Figure 4) and the confusion matrix;
 * the paper's Figure 1 (attention from a query point, an SVG with the frames embedded); and the drawing
 * path they share (render.ts).
 */
export { vegaLiteToSvg, svgToPng, chartToPng, setEsmImporter } from './render';
export type { VegaLiteSpec, PngOptions, EsmImporter } from './render';
export { curvesSpec, curvesPng, curvePoints, readRunMetrics } from './curves';
export type { RunMetrics, CurvePoint, CurvePanel } from './curves';
export { perClassSpec, perClassPng, perClassDifferences, lastPerClassTop1 } from './per-class';
export type { ClassScores, ClassDifference } from './per-class';
export { confusionSpec, confusionPng, confusionMatrix } from './confusion';
export type { ConfusionOptions } from './confusion';
export { attentionFigure, attentionFigureSvg, attentionFigureFromCheckpoint, captureAttention } from './attention';
export type { CheckpointFigure, CheckpointFigureOptions, QueryPoint, AttentionTarget } from './attention';
