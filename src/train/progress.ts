/**
 * A one-line progress bar for an epoch: bar, batches done, ETA, running loss, lr and clips per second.
 * On a terminal it redraws in place (at most 10 times a second); into a file or a pipe it writes a line at
 * every quarter, so logs stay short.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressFields {
  loss?: number;
  lr?: number;
  /** Clips processed so far in this bar (for the rate). */
  clips?: number;
}

export class ProgressBar {
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastQuarter = -1;
  private drewInPlace = false;

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  update(done: number, fields: ProgressFields = {}): void {
    const t = this.now();
    if (this.stream.isTTY) {
      if (t - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = t;
      this.stream.write(`\r${this.render(done, fields, t)}\x1b[K`);
      this.drewInPlace = true;
    } else {
      const quarter = Math.floor((4 * done) / Math.max(1, this.total));
      if (quarter === this.lastQuarter) return;
      this.lastQuarter = quarter;
      this.stream.write(`${this.render(done, fields, t)}\n`);
    }
  }

  /** Ends the bar's line (on a terminal) so that what follows starts on a new one. */
  finish(): void {
    if (this.drewInPlace) this.stream.write('\n');
    this.drewInPlace = false;
  }

  render(done: number, fields: ProgressFields, t = this.now()): string {
    const width = 20;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = (t - this.start) / 1000;
    const eta = done > 0 ? (elapsed * (this.total - done)) / done : NaN;
    const parts = [
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}`,
      `${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}`,
    ];
    if (fields.loss !== undefined) parts.push(`loss ${fields.loss.toFixed(4)}`);
    if (fields.lr !== undefined) parts.push(`lr ${fields.lr.toExponential(2)}`);
    if (fields.clips !== undefined && elapsed > 0) parts.push(`${(fields.clips / elapsed).toFixed(1)} clips/s`);
    return parts.join('  ');
  }
}

/** A fraction as a percentage with one decimal ('-' when there is none). */
export function formatPercent(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;
}

/** Seconds as m:ss or h:mm:ss ('?' when unknown). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
