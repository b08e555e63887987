/**
 * PyTorch, when the given Python has it: bench/pytorch_bench.py times the same specs with the same
 * iteration policy in a subprocess. Nothing here needs PyTorch to exist; without it the column says so.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Planned } from '../measure';
import { IterationPolicy, casePolicy } from '../policy';
import { Measurement, Outcome } from './runner';

const SCRIPT = path.join(__dirname, '..', 'pytorch_bench.py');

interface Reply {
  unavailable?: string;
  description?: string;
  results?: ({ id: string } & Outcome)[];
}

export function runPytorch(
  python: string,
  plan: Planned[],
  policy: IterationPolicy,
  threads: number,
): { description: string; measurements: Measurement[] } {
  const measurement = (p: Planned, outcome: Outcome): Measurement => ({
    caseId: p.benchCase.id, runner: 'pytorch', spec: p.spec, proxy: p.proxy, outcome,
  });
  const allMissing = (why: string) => ({
    description: `PyTorch: ${why}`,
    measurements: plan.map((p) => measurement(p, { status: 'missing', why })),
  });

  const request = {
    threads,
    policy,
    cases: plan.map((p) => ({
      id: p.benchCase.id, title: p.benchCase.title, spec: p.spec, policy: casePolicy(policy, p.benchCase.minSamples),
    })),
  };
  const child = spawnSync(python, [SCRIPT], {
    input: JSON.stringify(request),
    stdio: ['pipe', 'pipe', 'inherit'], // its progress lines show as they come
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.error) return allMissing(`cannot run ${python} (${child.error.message})`);
  if (child.status !== 0) return allMissing(`${SCRIPT} exited with status ${child.status}`);

  let reply: Reply;
  try {
    reply = JSON.parse(child.stdout) as Reply;
  } catch {
    return allMissing(`${SCRIPT} did not answer with JSON: ${child.stdout.slice(0, 200)}`);
  }
  if (reply.unavailable) return allMissing(reply.unavailable);
  const byId = new Map((reply.results ?? []).map((r) => [r.id, r]));
  return {
    description: reply.description ?? 'PyTorch',
    measurements: plan.map((p) => {
      const r = byId.get(p.benchCase.id);
      if (!r) return measurement(p, { status: 'failed', error: 'no result from pytorch_bench.py' });
      const { id: _id, ...outcome } = r;
      return measurement(p, outcome);
    }),
  };
}
