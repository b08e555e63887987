/**
 * How the project checks gradients: gradcheck compares what backward computes with central finite
 * differences, (f(x + eps) - f(x - eps)) / 2 eps, for every input element, in float64.
 * Run: npx ts-node examples/gradcheck-demo.ts
 */
import { Tensor, autograd, manualSeed, randn, F } from '../src';

const { applyFunction, gradcheck } = autograd;

/** Squares its input, but its backward forgets the factor 2: the kind of bug gradcheck exists for. */
class BuggySquare extends autograd.Function<[Tensor]> {
  forward(x: Tensor): Tensor {
    this.saveForBackward(x);
    return x.mul(x);
  }
  backward(g: Tensor): Tensor[] {
    const [x] = this.saved;
    return [g.mul(x)]; // should be g * 2x
  }
}

export function gradcheckDemo(): { convPasses: boolean; buggyPasses: boolean; buggyMessage: string } {
  manualSeed(0);
  const opts = { dtype: 'float64' as const, requiresGrad: true };
  const x = randn([1, 2, 5, 5], opts);
  const w = randn([4, 1, 3, 3], opts);
  const b = randn([4], opts);
  const convPasses = gradcheck((x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }), [x, w, b]);

  const y = randn([3], opts);
  const buggyPasses = gradcheck((t) => applyFunction(new BuggySquare(), [t]), [y], { raiseException: false });
  let buggyMessage = '';
  try {
    gradcheck((t) => applyFunction(new BuggySquare(), [t]), [y]);
  } catch (e) {
    buggyMessage = (e as Error).message;
  }
  return { convPasses, buggyPasses, buggyMessage };
}

if (require.main === module) {
  const { convPasses, buggyPasses, buggyMessage } = gradcheckDemo();
  console.log(`conv2d (stride 2, padding 1, groups 2): gradcheck ${convPasses ? 'passes' : 'FAILS'}`);
  console.log(`a square whose backward forgot the 2: gradcheck ${buggyPasses ? 'passes (?!)' : 'fails, as it should'}`);
  console.log(`  ${buggyMessage}`);
}
