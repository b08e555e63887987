"""torchvision ResNets at any base width, with torchvision's own blocks and module names.

torchvision.models.resnet.ResNet hard-codes the stage widths 64, 128, 256, 512. For fixtures small
enough to commit we want the same architecture at width 4 or 8, so `build_resnet` constructs a
torchvision ResNet the way its __init__ does, with the widths scaled: the stem has `width` channels
and the stages width, 2*width, 4*width, 8*width (times the block expansion at a block's output). The
blocks come from torchvision's own `_make_layer`, BasicBlock and Bottleneck, so every module name
(`layer1.0.downsample.0`, ...) is torchvision's, and at width 64 the model *is* torchvision's
resnet18/34/50/101/152 (`check_against_torchvision` asserts it).

Used by scripts/make-resnet-fixtures.py and by the torchvision converter script.
"""

import torch
from torch import nn
from torchvision.models import resnet as tv

# Block type and blocks per stage of each depth, as torchvision's resnet18 ... resnet152.
ARCHITECTURES = {
    18: (tv.BasicBlock, [2, 2, 2, 2]),
    34: (tv.BasicBlock, [3, 4, 6, 3]),
    50: (tv.Bottleneck, [3, 4, 6, 3]),
    101: (tv.Bottleneck, [3, 4, 23, 3]),
    152: (tv.Bottleneck, [3, 8, 36, 3]),
}


class ScaledResNet(tv.ResNet):
    """torchvision's ResNet, built by the steps of ResNet.__init__ with `width` in place of 64."""

    def __init__(self, block, layers, width=64, num_classes=1000, zero_init_residual=False):
        nn.Module.__init__(self)
        # The attributes _make_layer reads, set as ResNet.__init__ sets them (no groups, no dilation).
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = width
        self.dilation = 1
        self.groups = 1
        self.base_width = 64  # the *per-group* width of wide ResNets; 64 keeps a bottleneck's width = planes
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width * block.expansion, num_classes)

        # torchvision's initialisation, step for step.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, tv.Bottleneck):
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, tv.BasicBlock):
                    nn.init.constant_(m.bn2.weight, 0)


def build_resnet(depth, width=64, num_classes=1000, blocks=None, zero_init_residual=False):
    """A torchvision-architecture ResNet of `depth` (18, 34, 50, 101, 152) at base `width`.

    `blocks` replaces the depth's blocks per stage (e.g. [1, 1, 1, 1] for a tiny test model); the
    depth still picks the block type (BasicBlock below 50, Bottleneck from 50).
    """
    if depth not in ARCHITECTURES:
        raise ValueError(f"build_resnet: depth must be one of {sorted(ARCHITECTURES)}; got {depth}")
    block, layers = ARCHITECTURES[depth]
    if blocks is not None:
        if len(blocks) != 4 or any(int(b) != b or b < 1 for b in blocks):
            raise ValueError(f"build_resnet: blocks must be 4 positive integers; got {blocks}")
        layers = list(blocks)
    return ScaledResNet(block, layers, width=width, num_classes=num_classes, zero_init_residual=zero_init_residual)


def check_against_torchvision(depth):
    """Asserts that build_resnet(depth) at width 64 has torchvision's names, shapes and printout."""
    ours = build_resnet(depth)
    theirs = getattr(tv, f"resnet{depth}")()
    a = [(k, tuple(v.shape)) for k, v in ours.state_dict().items()]
    b = [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert a == b, f"resnet{depth}: state dict differs from torchvision's"
    assert repr(ours).replace("ScaledResNet(", "ResNet(", 1) == repr(theirs), f"resnet{depth}: repr differs"


if __name__ == "__main__":
    for d in (18, 34, 50, 101):
        check_against_torchvision(d)
        print(f"resnet{d}: same names, shapes and printout as torchvision")
