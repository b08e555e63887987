/**
 * How wide a label is drawn, for laying out axes of long class names. Vega, without a canvas to measure
 * text, takes 0.8 em a character and caps an axis at 200 px (Vega-Lite's maxExtent), which either cuts
 * Something-Something's names or leaves their axis title on top of them. DejaVu Sans, the font resvg
 * draws with, averages about 0.55 em a character in mixed-case words; 0.6 leaves a margin.
 */
export function labelWidth(text: string, fontSize: number): number {
  return Math.ceil(0.6 * text.length * fontSize);
}

/**
 * Vega-Lite axis settings for an axis of names: never cut (labelLimit 0 is no limit), and as much room as
 * the longest name takes, so that an axis title beside the names clears them.
 */
export function nameAxis(names: readonly string[], fontSize: number): Record<string, unknown> {
  const longest = Math.max(0, ...names.map((n) => labelWidth(n, fontSize)));
  return { labelLimit: 0, labelFontSize: fontSize, maxExtent: longest + 8, minExtent: longest + 8 };
}
