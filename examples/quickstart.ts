/**
 * A first look at the API: a convolution, a loss, backward, a gradient.
 * Run: npx ts-node examples/quickstart.ts
 */
import { tensor, randn, manualSeed, F } from '../src';

export function quickstart(): { outputShape: number[]; loss: number; gradShape: number[] } {
  manualSeed(0);
  const x = randn([1, 3, 8, 8]); // a batch of one 3-channel 8x8 image
  const w = randn([4, 3, 3, 3], { requiresGrad: true }); // 4 filters of 3x3
  const y = F.conv2d(x, w, null, { stride: 1, padding: 1 });
  const logits = y.mean([2, 3]); // global average pool: [1, 4]
  const loss = F.crossEntropy(logits, tensor([2], { dtype: 'int32' }));
  loss.backward();
  return { outputShape: [...y.shape], loss: loss.item(), gradShape: [...w.grad!.shape] };
}

if (require.main === module) {
  const { outputShape, loss, gradShape } = quickstart();
  console.log(`conv output ${JSON.stringify(outputShape)}, loss ${loss.toFixed(4)}, weight gradient ${JSON.stringify(gradShape)}`);
}
