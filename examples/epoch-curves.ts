/**
 * What the main job does after every epoch: redraws the run's training curves from its metrics.jsonl (all
 * of its epochs, a resumed run's earlier ones too) into `<out>/curves.png`. A picture is never worth a
 * run: a drawing or writing error is printed as a warning and training goes on.
 */
import path from 'path';
import { ssan, train } from '../src';

const { writeFileAtomic, readJsonLines } = train;
const { curvesPng } = ssan.viz;
type EpochMetrics = ssan.train.EpochMetrics;
type RunFiles = train.RunFiles;

export const CURVES_FILE = 'curves.png';

/** fit's onEpochEnd for a run in `outDir`; says where the picture is the first time it is written. */
export function curvesAfterEachEpoch(outDir: string, log: (line: string) => void): (metrics: EpochMetrics, files: RunFiles) => Promise<void> {
  const file = path.join(outDir, CURVES_FILE);
  const name = path.basename(path.resolve(outDir));
  let told = false;
  return async (metrics, files) => {
    try {
      const png = await curvesPng([{ name, records: readJsonLines(files.metrics) }]);
      writeFileAtomic(file, png);
      if (!told) log(`training curves: ${file} (redrawn after every epoch)`);
      told = true;
    } catch (err) {
      log(`warning: could not draw the training curves after epoch ${metrics.epoch} into ${file}: ${(err as Error).message}; training goes on`);
    }
  };
}
