/** How the examples print a fraction: a percentage with one decimal ('-' when there is none). */
export function formatPercent(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;
}
