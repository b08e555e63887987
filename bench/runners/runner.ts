/**
 * A runner times benchmark specs on one implementation: one of our backends, a TensorFlow.js backend,
 * or (out of process) PyTorch. In-process runners hand the measuring code a closure per case.
 */
import { Spec } from '../spec';

/** A case ready to time (inputs allocated), or the reason this runner cannot run it. */
export type Prepared = { call: () => void; dispose?: () => void } | { missing: string };

export interface Runner {
  /** The column name: 'ts', 'cpu', 'gpu', 'tfjs-cpu', 'tfjs-wasm'. */
  readonly name: string;
  /** One line for the output: what it runs on, threads included. */
  describe(): string;
  /** Called once before its cases are prepared (e.g. selects a TensorFlow.js backend). */
  start(): Promise<void>;
  prepare(spec: Spec): Prepared;
  /** Called once after its cases ran. */
  finish(): void;
}

/** What one runner got for one case. */
export type Outcome =
  | { status: 'timed'; medianSeconds: number; samples: number; marginPercent: number }
  | { status: 'missing'; why: string }
  | { status: 'failed'; error: string };

export interface Measurement {
  caseId: string;
  runner: string;
  /** The shape actually timed: the case's own, or its proxy. */
  spec: Spec;
  proxy: boolean;
  outcome: Outcome;
}
