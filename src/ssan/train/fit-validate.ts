/**
 * fit()'s validation after each epoch: the epoch's metrics (the plateau scheduler sees the validation
 * loss), and the summary line the log shows for them.
 */
import type { EpochMetrics } from './fit';
import type { FitRun } from './fit-run';
import { evaluate, EvaluationStoppedError } from './evaluate';
import { formatDuration, formatPercent } from '../../train/progress';

/**
 * Validates the epoch just trained (begun at `started`, performance.now()) and returns its metrics, or the
 * EvaluationStoppedError of a stop during validation.
 */
export async function validateEpoch(run: FitRun, epoch: number, started: number): Promise<EpochMetrics | EvaluationStoppedError> {
  const { opts, state } = run;
  run.now.phase = 'validate';
  const lr = run.optimizer.paramGroups[0].lr;
  let val;
  try {
    val = await evaluate(opts.model, opts.val, { numClasses: opts.numClasses, shouldStop: () => run.stop.requested });
  } catch (e) {
    if (!(e instanceof EvaluationStoppedError)) throw e;
    return e;
  }
  run.scheduler.step(val.loss);
  const { position } = state;
  return {
    epoch: epoch + 1,
    trainLoss: position.lossSum / position.clips,
    valLoss: val.loss,
    valTop1: val.top1,
    valTop5: val.top5,
    lr,
    perClassTop1: val.perClass,
    trainClips: position.clips,
    trainSkipped: position.skipped,
    valSkipped: val.skipped.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The log's line for a validated epoch. */
export function epochSummary(m: EpochMetrics, isBest: boolean): string {
  const skipped = m.trainSkipped + m.valSkipped > 0 ? `  skipped videos: ${m.trainSkipped} train, ${m.valSkipped} val` : '';
  return (
    `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}  val loss ${m.valLoss.toFixed(4)}  ` +
    `top-1 ${formatPercent(m.valTop1)}  top-5 ${formatPercent(m.valTop5)}  lr ${m.lr.toExponential(2)}  ${formatDuration(m.seconds)}` +
    (isBest ? '  (best)' : '') + skipped
  );
}
