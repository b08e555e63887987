/**
 * A training run for fit-interrupt.sigint.test.ts to interrupt with real signals:
 *
 *   node -r ts-node/register/transpile-only test/ssan/train/ctrl-c-child.ts <scenario> <outDir>
 *
 * (scenarios in fit-helpers.ts, ctrlCRun). It prints `train <epoch> <batch>` and `val <batch>` as batches
 * are handed over, so that the test knows where the run is, fit's own lines, and `status <status>` when
 * fit returns. fit's SIGINT handler is the real one.
 *
 * Each batch also blocks the thread for a while, as a real model's compute does: the tiny model alone
 * would finish the epoch before the test's signal arrived, and blocking keeps the event loop as still as
 * computing does, so the test still shows that fit lets it turn.
 */
import { fit } from '../../../src/ssan/train';
import { ctrlCRun, tapped } from './fit-helpers';

const [scenario, outDir] = process.argv.slice(2);
const BATCH_MS = 20;
const blocker = new Int32Array(new SharedArrayBuffer(4));
function computeFor(ms: number): void {
  Atomics.wait(blocker, 0, 0, ms);
}

const { model, train, val, recipe, epochs } = ctrlCRun(scenario);
fit({
  model, recipe, epochs, outDir, numClasses: 2, progress: null,
  train: tapped(train, (epoch, batch) => {
    console.log(`train ${epoch} ${batch}`);
    computeFor(BATCH_MS);
  }),
  val: tapped(val, (_, batch) => {
    console.log(`val ${batch}`);
    computeFor(BATCH_MS);
  }),
}).then(
  (result) => console.log(`status ${result.status}`),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
