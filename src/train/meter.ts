/**
 * Classification metrics over an epoch: mean loss, top-1 and top-5 accuracy, and accuracy per class,
 * all as fractions. Scores may be logits or probabilities: only their order matters for accuracy.
 */
export interface ClassificationMetrics {
  /** Mean loss per clip. */
  loss: number;
  top1: number;
  top5: number;
  /** Per class: correct / videos of that class (null for a class with no videos). */
  perClass: (number | null)[];
  /** Videos counted. */
  count: number;
}

export class ClassificationMeter {
  private lossSum = 0;
  private count = 0;
  private top1 = 0;
  private top5 = 0;
  private readonly classCorrect: number[];
  private readonly classTotal: number[];

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`ClassificationMeter: numClasses must be an integer >= 1; got ${numClasses}`);
    this.classCorrect = new Array<number>(numClasses).fill(0);
    this.classTotal = new Array<number>(numClasses).fill(0);
  }

  /**
   * Adds a batch: `scores` row-major [labels.length, numClasses], `meanLoss` the batch's mean loss per
   * video (weighted by the batch size).
   */
  add(scores: ArrayLike<number>, labels: ArrayLike<number>, meanLoss: number): void {
    const n = labels.length;
    const c = this.numClasses;
    if (scores.length !== n * c) {
      throw new Error(`ClassificationMeter.add: expected ${n} x ${c} = ${n * c} scores for ${n} labels; got ${scores.length}`);
    }
    for (let i = 0; i < n; i++) {
      const label = labels[i];
      if (!Number.isInteger(label) || label < 0 || label >= c) throw new Error(`ClassificationMeter.add: label ${label} is not a class in [0, ${c})`);
      const own = scores[i * c + label];
      // Rank of the true class: the classes scoring higher, and on a tie those with a lower index, as
      // argmax and topk pick the first maximum (so a model scoring every class alike is not 'right').
      let higher = 0;
      for (let j = 0; j < c; j++) {
        const s = scores[i * c + j];
        if (s > own || (s === own && j < label)) higher++;
      }
      this.classTotal[label]++;
      if (higher === 0) {
        this.top1++;
        this.classCorrect[label]++;
      }
      if (higher < 5) this.top5++;
    }
    this.lossSum += meanLoss * n;
    this.count += n;
  }

  result(): ClassificationMetrics {
    const n = this.count;
    return {
      loss: n === 0 ? NaN : this.lossSum / n,
      top1: n === 0 ? NaN : this.top1 / n,
      top5: n === 0 ? NaN : this.top5 / n,
      perClass: this.classTotal.map((total, k) => (total === 0 ? null : this.classCorrect[k] / total)),
      count: n,
    };
  }
}
