/**
 * The one seeded random generator behind rand, randn, dropout and initialisers.
 * Like PyTorch's CPU generator it starts from a fixed seed, so a program that never calls
 * manualSeed is still repeatable; manualSeed(s) restarts the stream.
 */
import seedrandom from 'seedrandom';

/**
 * Alea's whole state. Written out rather than taken from @types/seedrandom so that the published
 * declarations do not need those types (a dev dependency) in the user's project.
 */
export interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}
type Prng = seedrandom.StatefulPRNG<AleaState>;

/** Opaque, JSON-serialisable generator state (for checkpoints). */
export interface GeneratorState {
  seed: string;
  prng: AleaState;
}

const DEFAULT_SEED = 67280421310721;

export class Generator {
  private prng!: Prng;
  private seedText!: string;

  constructor(seed: number | string = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number | string): void {
    this.seedText = String(seed);
    // Alea: fast, small state, and its state can be saved and restored exactly.
    this.prng = seedrandom.alea(this.seedText, { state: true });
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.prng();
  }

  /** Fills `out` with U[low, high). */
  fillUniform(out: { length: number; [i: number]: number }, low = 0, high = 1): void {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.prng();
  }

  /** Fills `out` with N(mean, std²) by Box-Muller, using both values of each pair. */
  fillNormal(out: { length: number; [i: number]: number }, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i += 2) {
      // 1 - u lies in (0, 1], so the log is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - this.prng()));
      const angle = 2 * Math.PI * this.prng();
      out[i] = mean + std * radius * Math.cos(angle);
      if (i + 1 < out.length) out[i + 1] = mean + std * radius * Math.sin(angle);
    }
  }

  /** A uniformly random integer in [0, n). */
  randint(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /**
   * Shuffles `items` in place (Fisher-Yates from the end: one randint(i + 1) per position i > 0, in that
   * order, so a seed always gives the same order) and returns it.
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randint(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** 0..n-1 in a random order (shuffle of the identity). */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  getState(): GeneratorState {
    return { seed: this.seedText, prng: this.prng.state() };
  }

  setState(state: GeneratorState): void {
    if (!state || typeof state.seed !== 'string' || typeof state.prng !== 'object' || state.prng === null) {
      throw new Error('Generator.setState: expected an object from getState() with fields seed and prng');
    }
    this.seedText = state.seed;
    this.prng = seedrandom.alea('', { state: state.prng });
  }
}

export const defaultGenerator = new Generator();

/** Seeds the default generator, as torch.manual_seed. */
export function manualSeed(seed: number | string): void {
  defaultGenerator.manualSeed(seed);
}
