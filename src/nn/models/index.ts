/** nn.models: ready-made networks, as torchvision.models: the ResNets. */
export { resnet, ResNet, BasicBlock, Bottleneck } from './resnet';
export type { ResNetConfig, ResNetDepth, ResidualBlock } from './resnet';
