/**
 * The training-step benchmarks (bench/train-step.ts) and the per-op breakdown (bench/op-profile.ts),
 * checked without timing anything and without PyTorch: the main job's case is the main job, the flop
 * count of a step matches hand-checked figures and nn.summary, the step trains, the report's table
 * reads right, and the breakdown's instrumentation attributes time exclusively and leaves the library
 * exactly as it found it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cases, MAIN_JOB_BATCH, MAIN_JOB_STEP } from '../../bench/train-step';
import { flopsOf, trainStepForwardMultiplyAdds } from '../../bench/flops';
import { TrainStepSpec, describeShape } from '../../bench/spec';
import { buildStepModel, buildTrainStep } from '../../bench/runners/train-step';
import { ExclusiveTimer, Instrumentation, PHASES, breakdown, isProductKernel, opFamily, opKind } from '../../bench/op-profile';
import { renderReport } from '../../bench/table';
import { Measurement } from '../../bench/runners/runner';
import { DEFAULT_POLICY, bennyOptions, casePolicy } from '../../bench/policy';
import { SYNTHETIC_RUN } from '../../examples/synthetic-run';
import { nn } from '../../src';
import { registeredBackends } from '../../src/tensor/registry';

const byId = (id: string): TrainStepSpec => {
  const c = cases.find((x) => x.id === id);
  if (!c || c.spec.kind !== 'trainStep') throw new Error(`no training-step case '${id}'`);
  return c.spec;
};

/** A small model of each kind, for checks that build and run it. */
const tiny = (arch: TrainStepSpec['arch'], depth: TrainStepSpec['depth'], extra: Partial<TrainStepSpec> = {}): TrainStepSpec => ({
  kind: 'trainStep', arch, depth, width: 4, clips: 2, segments: arch === 'resnet' ? 1 : 2, size: 24, numClasses: 5,
  dropout: arch === 'resnet' ? 0 : 0.5, attnScale: 'len', lr: 0.01, momentum: 0.9, weightDecay: 5e-4, ...extra,
});

/** The input shape a step feeds its model. */
const inputShape = (s: TrainStepSpec) => (s.arch === 'resnet' ? [s.clips, 3, s.size, s.size] : [s.clips, s.segments, 3, s.size, s.size]);

describe('bench/train-step: the cases', () => {
  it("the main job's step is examples/synthetic-run.ts's model on its batch", () => {
    const c = SYNTHETIC_RUN.config;
    expect(MAIN_JOB_STEP).toMatchObject({
      arch: c.arch, depth: c.depth, width: c.width, segments: c.numSegments, size: c.crop, dropout: c.dropout,
      attnScale: c.attnScale, clips: MAIN_JOB_BATCH, numClasses: 12,
    });
    // As the issue states it: SSAN on ResNet-18 width 16, 8 clips x 8 frames of 40x40, 12 classes.
    expect(describeShape(MAIN_JOB_STEP)).toBe('SSAN ResNet-18 (width 16), 8 clips x 8 frames of 40x40, 12 classes');
    expect(byId('step-mainjob')).toBe(MAIN_JOB_STEP);
  });

  it('the four rows of the issue, with the paper\'s optimizer at lr 0', () => {
    expect(cases.map((c) => c.id)).toEqual(['step-mainjob', 'step-resnet50-112', 'step-tsn-r50-224', 'step-ssan-r50-224']);
    expect(describeShape(byId('step-resnet50-112'))).toBe('ResNet-50, [8,3,112,112], 1000 classes');
    expect(describeShape(byId('step-tsn-r50-224'))).toBe('TSN ResNet-50, 1 clip x 8 frames of 224x224, 174 classes');
    expect(describeShape(byId('step-ssan-r50-224'))).toBe('SSAN ResNet-50, 1 clip x 8 frames of 224x224, 174 classes');
    for (const c of cases) {
      // lr 0: the same values every step (a real lr memorises the batch, then times subnormal floats).
      expect(c.spec, c.id).toMatchObject({ lr: 0, momentum: 0.9, weightDecay: 5e-4 });
      expect(c.group, c.id).toBe('train-step');
    }
  });

  it('the steps of seconds take three samples whatever the budget; the others follow the run\'s policy', () => {
    for (const id of ['step-resnet50-112', 'step-tsn-r50-224', 'step-ssan-r50-224']) {
      expect(cases.find((c) => c.id === id)!.minSamples, id).toBe(3);
    }
    expect(casePolicy(DEFAULT_POLICY, 3)).toEqual({ ...DEFAULT_POLICY, minSamples: 3 });
    expect(bennyOptions(casePolicy(DEFAULT_POLICY, 3)).minSamples).toBe(3);
    // A run that asks for more keeps its own; a case without a minimum changes nothing.
    expect(casePolicy({ ...DEFAULT_POLICY, minSamples: 5 }, 3).minSamples).toBe(5);
    expect(casePolicy(DEFAULT_POLICY, undefined)).toBe(DEFAULT_POLICY);
  });

  it('the slow backends time half-size frames of the ResNet-50 rows, nothing else changed', () => {
    for (const c of cases.filter((x) => x.proxy)) {
      expect(c.proxy!.runners, c.id).toEqual(['ts', 'gpu']);
      expect(c.proxy!.spec, c.id).toEqual({ ...c.spec, size: (c.spec as TrainStepSpec).size / 2 });
    }
    expect(cases.find((c) => c.id === 'step-mainjob')!.proxy).toBeUndefined();
  });
});

describe('bench/flops: a training step', () => {
  it("ResNet-50's forward: torchvision's 4,089,184,256 multiply-adds per 224x224 image", () => {
    const one = { ...byId('step-resnet50-112'), clips: 1, size: 224 };
    expect(trainStepForwardMultiplyAdds(one).total).toBe(4_089_184_256);
  });

  it('the ResNet-50 rows, as counted by forward hooks on the PyTorch models (conv and linear outputs x fan-in)', () => {
    // The stem at 112: 8 images x 64 channels x 56² outputs x 3 x 7² taps = 236,027,904.
    expect(trainStepForwardMultiplyAdds(byId('step-resnet50-112'))).toEqual({ total: 8_623_194_112, stem: 236_027_904 });
    // At 224 the stem is 4x that: 944,111,616; TSN's fc is 174 classes per frame.
    expect(trainStepForwardMultiplyAdds(byId('step-tsn-r50-224'))).toEqual({ total: 32_699_940_864, stem: 944_111_616 });
  });

  it('a step is the forward and both backward passes, less the images\' gradient', () => {
    // The main job's model: 399,742,976 forward multiply-adds, 60,211,200 in its stem
    // (64 frames x 16 channels x 20² outputs x 3 x 49 taps).
    expect(trainStepForwardMultiplyAdds(MAIN_JOB_STEP)).toEqual({ total: 399_742_976, stem: 60_211_200 });
    expect(flopsOf(MAIN_JOB_STEP)).toBe(2 * (3 * 399_742_976 - 60_211_200));
    for (const c of cases) {
      const { total, stem } = trainStepForwardMultiplyAdds(c.spec as TrainStepSpec);
      expect(flopsOf(c.spec), c.id).toBe(2 * (3 * total - stem));
    }
  });

  it("the main job's count equals nn.summary's for the model the benchmark builds", () => {
    const model = buildStepModel(MAIN_JOB_STEP);
    expect(nn.summary(model, inputShape(MAIN_JOB_STEP)).totalMacs).toBe(trainStepForwardMultiplyAdds(MAIN_JOB_STEP).total);
  });

  it("equals nn.summary's total on small models of every kind, depth and odd size", () => {
    const spec = fc.record({
      arch: fc.constantFrom<TrainStepSpec['arch']>('resnet', 'tsn', 'ssan'),
      depth: fc.constantFrom<TrainStepSpec['depth']>(18, 34, 50),
      width: fc.constantFrom(2, 4),
      clips: fc.integer({ min: 1, max: 2 }),
      segments: fc.integer({ min: 1, max: 3 }),
      size: fc.integer({ min: 16, max: 41 }),
      numClasses: fc.integer({ min: 1, max: 7 }),
    });
    fc.assert(
      fc.property(spec, (s) => {
        const full = tiny(s.arch, s.depth, { ...s, segments: s.arch === 'resnet' ? 1 : s.segments });
        const counted = nn.summary(buildStepModel(full), inputShape(full)).totalMacs;
        expect(trainStepForwardMultiplyAdds(full).total).toBe(counted);
      }),
      { numRuns: 12 },
    );
  });
});

describe('bench/runners/train-step: the step', () => {
  it("builds the main job's model with PyTorch's parameter count (722,092 in 86 tensors, scripts/ssan_reference.py)", () => {
    const step = buildTrainStep(MAIN_JOB_STEP);
    expect(step.model.parameters().length).toBe(86);
    expect(step.model.parameters().reduce((n, p) => n + p.numel(), 0)).toBe(722_092);
  });

  it('trains: a finite loss, a gradient for every parameter, and the parameters move', () => {
    const step = buildTrainStep(tiny('ssan', 18));
    const params = step.model.parameters();
    const before = params.map((p) => Float32Array.from(p.data));
    const loss = step.forward();
    expect(Number.isFinite(loss.item())).toBe(true);
    step.backward(loss);
    expect(params.every((p) => p.grad !== null)).toBe(true);
    step.update();
    // Weight decay moves every parameter that is not zero, gradient or none.
    const moved = params.filter((p, i) => p.data.some((v, j) => v !== before[i][j])).length;
    expect(moved).toBeGreaterThan(params.length / 2);
    step.step(); // and again, zeroing the gradients first
    expect(params.every((p) => p.grad !== null)).toBe(true);
  });

  it("at the benchmarks' lr 0 the update runs in full (momentum buffers of the gradients) and moves nothing", () => {
    const step = buildTrainStep(tiny('tsn', 18, { lr: 0 }));
    const params = step.model.parameters();
    const before = params.map((p) => Array.from(p.data));
    step.step();
    step.step();
    expect(params.map((p) => Array.from(p.data))).toEqual(before);
    const state = step.optimizer.stateDict().state;
    expect(Object.keys(state).length).toBe(params.length);
    // Two steps of b = 0.9 b + g, each g with its weight decay: nonzero wherever a gradient was.
    const buffers = Object.values(state).map((s) => s.momentumBuffer as { data: ArrayLike<number> });
    expect(buffers.filter((b) => Array.from(b.data).some((v) => v !== 0)).length).toBeGreaterThan(params.length / 2);
  });

  it('rejects frames per clip on an image classifier', () => {
    expect(() => buildTrainStep(tiny('resnet', 18, { segments: 2 }))).toThrow(/bench trainStep: a 'resnet' step classifies images; segments must be 1, got 2/);
  });
});

describe('bench/table: the training-step table', () => {
  it('prints seconds per step and the speed against PyTorch (its time over ours), leaving out runners with no model', () => {
    const timed = (caseId: string, runner: string, seconds: number, proxy = false): Measurement => {
      const c = cases.find((x) => x.id === caseId)!;
      return {
        caseId, runner, proxy, spec: proxy ? c.proxy!.spec : c.spec,
        outcome: { status: 'timed', medianSeconds: seconds, samples: 2, marginPercent: 1 },
      };
    };
    const missing = (caseId: string): Measurement => ({
      caseId, runner: 'tfjs-cpu', proxy: false, spec: cases.find((x) => x.id === caseId)!.spec,
      outcome: { status: 'missing', why: 'no models' },
    });
    const subset = cases.slice(0, 2);
    const report = renderReport({
      cases: subset,
      runners: ['cpu', 'tfjs-cpu', 'pytorch'],
      measurements: [
        timed('step-mainjob', 'cpu', 0.2), missing('step-mainjob'), timed('step-mainjob', 'pytorch', 0.05),
        timed('step-resnet50-112', 'cpu', 2), missing('step-resnet50-112'), timed('step-resnet50-112', 'pytorch', 1),
      ],
      descriptions: new Map(),
      policy: DEFAULT_POLICY,
      environment: [],
    });
    expect(report).toContain('| training step | model and batch | cpu s/step | pytorch s/step | cpu speed vs PyTorch |');
    expect(report).toContain(`| Training step: the main job's model | ${describeShape(MAIN_JOB_STEP)} | 0.200 | 0.0500 | 0.250x |`);
    expect(report).toContain('| Training step: ResNet-50, 8 x 112x112 | ResNet-50, [8,3,112,112], 1000 classes | 2.00 | 1.00 | 0.500x |');
  });
});

describe('bench/op-profile: the breakdown', () => {
  it('charges each stretch of time to the innermost label only', () => {
    const t = new ExclusiveTimer();
    t.enter('phase:forward', 0);
    t.enter('BatchNorm forward', 1);
    t.enter('kernel:convForward', 3); // nested: its 4 ms are not the BatchNorm's
    t.exit(7);
    t.exit(8);
    t.exit(10);
    expect(Object.fromEntries(t.milliseconds)).toEqual({ 'phase:forward': 3, 'BatchNorm forward': 3, 'kernel:convForward': 4 });
    expect(t.calls.get('kernel:convForward')).toBe(1);
    expect(breakdown(t, 2)).toEqual([
      { kind: 'conv forward (kernel)', ms: 2, calls: 0.5 },
      { kind: 'forward: module code, graph recording, untimed ops', ms: 1.5, calls: 0 },
      { kind: 'BatchNorm forward', ms: 1.5, calls: 0.5 },
    ]);
  });

  it('names the op kinds of the issue', () => {
    expect(opKind('kernel:convBackwardData')).toBe('conv backward-data (kernel)');
    expect(opKind('kernel:convBackwardFilter')).toBe('conv backward-filter (kernel)');
    expect(opKind('kernel:batchedGemm')).toBe('bmm (batched GEMM kernel)');
    expect(opKind('kernel:reluForward')).toBe('reluForward (kernel)'); // a kernel added later keeps its name
    expect(opKind('BatchNorm backward')).toBe('BatchNorm backward');
    expect(opKind('Relu forward')).toBe('ReLU forward');
    expect(opKind('Add backward')).toBe('add / sub backward');
    expect(opKind('MaxPool2d forward')).toBe('max-pool forward');
    expect(opKind('LogSoftmax backward')).toBe('softmax backward');
    expect(opKind('Permute forward')).toBe('permute (shape op) forward');
    expect(opKind('Convolution backward')).toBe('conv, outside the kernels, backward');
    expect(opKind('FusedThing forward')).toBe('FusedThing forward');
    expect(opKind(PHASES.update)).toBe('SGD update (optimizer.step)');
    expect(isProductKernel('kernel:gemm')).toBe(true);
    expect(isProductKernel('Convolution forward')).toBe(false);
  });

  it("sums kernels and ops into the issue's families", () => {
    const cases: [string, string][] = [
      ['kernel:convForward', 'conv forward (kernel)'],
      ['kernel:convBackwardData', 'conv backward-data (kernel)'],
      ['kernel:convBackwardFilter', 'conv backward-filter (kernel)'],
      ['Convolution backward', 'conv, outside the kernels'],
      ['kernel:batchNormForward', 'BatchNorm forward'],
      ['BatchNorm forward', 'BatchNorm forward'],
      ['kernel:batchNormBackward', 'BatchNorm backward'],
      ['BatchNormRelu backward', 'BatchNorm backward'],
      ['kernel:reluBackward', 'ReLU, add and other elementwise'],
      ['AddRelu forward', 'ReLU, add and other elementwise'],
      ['kernel:binary', 'ReLU, add and other elementwise'],
      ['MaxPool2d forward', 'pooling'],
      ['kernel:maxPoolBackward', 'pooling'],
      ['LogSoftmax backward', 'softmax'],
      ['kernel:batchedGemm', 'matmul / bmm'],
      ['MatMul backward', 'matmul / bmm'],
      ['Permute forward', 'shape ops (permute, slice, cat: copies)'],
      ['kernel:sgdUpdate', 'SGD update'],
      [PHASES.update, 'SGD update'],
      [PHASES.backward, 'autograd bookkeeping (module code, graph, engine, leaf gradients)'],
      ['AccumulateGrad', 'autograd bookkeeping (module code, graph, engine, leaf gradients)'],
      ['Dropout forward', 'other (dropout, loss, reductions, ...)'],
      ['CrossEntropy backward', 'other (dropout, loss, reductions, ...)'],
    ];
    for (const [label, family] of cases) expect(opFamily(label), label).toBe(family);
  });

  it('finds the ops of a real step, records each, and changes neither the results nor the library', () => {
    const spec = tiny('ssan', 18);
    const kernelsBefore = registeredBackends().map((b) => ({ ...b.kernels }));
    // The same step twice from the same seed: as it is, and instrumented.
    const plain = buildTrainStep(spec);
    plain.step();
    const profiled = buildTrainStep(spec);
    const instrumentation = new Instrumentation();
    const timer = new ExclusiveTimer();
    let forwardsBefore: unknown[] = [];
    try {
      instrumentation.instrumentKernels();
      const loss = profiled.forward();
      const nodes = [] as { fn: object }[];
      for (let n = loss.gradFn as unknown as { fn?: object; next: unknown[] } | null; n; n = (n.next[0] ?? null) as typeof n) {
        if (n.fn) nodes.push(n as { fn: object });
      }
      forwardsBefore = nodes.map((n) => (n.fn as { forward: unknown }).forward);
      expect(instrumentation.instrumentGraph(loss)).toBeGreaterThan(5);
      instrumentation.timer = timer;
      timer.time(PHASES.backward, () => profiled.backward(loss));
      timer.time(PHASES.update, profiled.update);
      for (const [i, n] of nodes.entries()) expect((n.fn as { forward: unknown }).forward).not.toBe(forwardsBefore[i]);
    } finally {
      instrumentation.restore();
    }
    for (const label of ['kernel:convBackwardData', 'kernel:convBackwardFilter', 'AccumulateGrad']) {
      expect(timer.calls.get(label), label).toBeGreaterThan(0);
    }
    // Only backward and the update ran under the timer; the ops' names are whatever their Functions say.
    const labels = [...timer.calls.keys()];
    expect(labels.some((l) => /^BatchNorm\w* backward$/.test(l)), labels.join(', ')).toBe(true);
    for (const l of labels) expect(l).toMatch(/^(kernel:\w+|phase:(backward|update)|AccumulateGrad|\w+ backward)$/);
    expect(profiled.model.parameters().map((p) => Array.from(p.data))).toEqual(plain.model.parameters().map((p) => Array.from(p.data)));
    // Everything put back: the kernel tables hold the same functions, the ops their own methods.
    registeredBackends().forEach((b, i) => expect({ ...b.kernels }).toEqual(kernelsBefore[i]));
    const again = buildTrainStep(spec).forward();
    const fn = (again.gradFn as unknown as { fn: { forward: unknown } }).fn;
    expect(forwardsBefore).toContain(fn.forward);
  });
});
