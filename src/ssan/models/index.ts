/** The models of the paper; for now the ResNet backbones. */
export { resnet, ResNet, BasicBlock, Bottleneck } from './resnet';
export type { ResNetConfig, ResNetDepth, ResidualBlock } from './resnet';
