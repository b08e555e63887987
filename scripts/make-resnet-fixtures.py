"""Generate the ResNet fixtures (test/fixtures/resnet/*.json) from torchvision.

Run from the repository root, with the interpreter that has PyTorch 1.13 and torchvision 0.14:

    /usr/bin/python3 scripts/make-resnet-fixtures.py

CI never runs this script; the JSON files it writes are committed and read by
test/nn/models/resnet.test.ts and test/parity/resnet.test.ts. Everything is deterministic
(torch.manual_seed) and computed in float64.

names.json     the state-dict names and shapes of torchvision's resnet50 (full width), the
               parameter counts of resnet18/34/50/101, and the names and shapes of each depth
               built at width 4 (the same names, cheap to build in the tests).
tiny-*.json    a tiny torchvision-architecture ResNet (scripts/tiny_torchvision.py) with all its
               weights, an input and labels, and what PyTorch computes from them:
                 eval:  the logits in eval mode (normalised with the running statistics);
                 train: the logits in train mode, the cross-entropy loss, the running statistics
                        after that one forward, and the gradients of a few parameters.
               Weights, inputs and BatchNorm statistics are random (running statistics and
               affine parameters too, so that eval mode is a real test), rounded to 3
               significant digits so the file stays small; the model computes with exactly
               those values, and the outputs are written at full precision.

An entry is {"shape": [...], "values": [flat row-major values]}, with "dtype": "int64" on integer
tensors (labels, num_batches_tracked).
"""

import json
import os

import torch
import torch.nn.functional as F
from torchvision.models import resnet as tv

from tiny_torchvision import build_resnet

torch.set_default_dtype(torch.float64)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "resnet")


def entry(t, digits=None):
    t = t.detach()
    e = {"shape": list(t.shape)}
    if t.dtype in (torch.int64, torch.int32):
        e["dtype"] = "int64"
        e["values"] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        vals = [float(v) for v in t.reshape(-1).tolist()]
        e["values"] = vals if digits is None else [float(f"{v:.{digits}g}") for v in vals]
    return e


def rounded(t, digits=3):
    """t with every value rounded to `digits` significant digits (short in JSON, exact in both languages)."""
    flat = [float(f"{v:.{digits}g}") for v in t.reshape(-1).tolist()]
    return torch.tensor(flat, dtype=torch.float64).reshape(t.shape)


def names_and_shapes(model):
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


def write(name, data):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def make_names():
    counts = {}
    for depth in (18, 34, 50, 101):
        model = getattr(tv, f"resnet{depth}")()
        counts[str(depth)] = sum(p.numel() for p in model.parameters())
    write("names.json", {
        "torchvisionResnet50": names_and_shapes(tv.resnet50()),
        "paramCounts": counts,
        "width4": {str(d): names_and_shapes(build_resnet(d, width=4)) for d in (18, 34, 50, 101)},
    })


def randomise(model, seed):
    """Random weights and BatchNorm state, rounded; returns the state dict written to the fixture."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(rounded(torch.randn(m.weight.shape) * (2.0 / fan_in) ** 0.5))
            elif isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(rounded(torch.rand(c) + 0.5))
                m.bias.copy_(rounded(torch.randn(c) * 0.1))
                m.running_mean.copy_(rounded(torch.randn(c) * 0.2))
                m.running_var.copy_(rounded(torch.rand(c) + 0.5))
                m.num_batches_tracked.fill_(3)
            elif isinstance(m, torch.nn.Linear):
                m.weight.copy_(rounded(torch.randn(m.weight.shape) / m.in_features ** 0.5))
                m.bias.copy_(rounded(torch.randn(m.out_features) * 0.1))
    return {k: entry(v) for k, v in model.state_dict().items()}


def make_tiny(file, depth, width, blocks, num_classes, input_shape, grad_names, seed):
    model = build_resnet(depth, width=width, num_classes=num_classes, blocks=blocks)
    state = randomise(model, seed)
    x = rounded(torch.randn(*input_shape))
    labels = torch.randint(0, num_classes, (input_shape[0],))

    model.eval()
    with torch.no_grad():
        eval_logits = model(x)

    model.train()
    train_logits = model(x)
    loss = F.cross_entropy(train_logits, labels)
    loss.backward()
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())

    write(file, {
        "config": {"depth": depth, "width": width, "blocks": blocks, "numClasses": num_classes},
        # PyTorch's printout of this model, for Module.toString (torchvision's ReLU is inplace).
        "repr": repr(model).replace("ScaledResNet(", "ResNet(", 1),
        "stateDict": state,
        "input": entry(x),
        "labels": entry(labels),
        "eval": {"logits": entry(eval_logits)},
        "train": {
            "logits": entry(train_logits),
            "loss": loss.item(),
            "buffersAfter": {k: entry(v) for k, v in buffers.items()},
            "grads": {k: entry(params[k].grad) for k in grad_names},
        },
    })


if __name__ == "__main__":
    make_names()
    # Bottleneck: layer1 has a second block, so the identity shortcut is exercised as well as downsample.
    # A batch of 3: layer4 is 1x1, and BatchNorm over only 2 values per channel maps them to almost exactly
    # -1 and +1 whatever they are, so the gradient below it would be all rounding noise in float32.
    make_tiny(
        "tiny-bottleneck.json", depth=50, width=3, blocks=[2, 1, 1, 1], num_classes=5,
        input_shape=(3, 3, 32, 32), seed=0,
        grad_names=["conv1.weight", "layer1.0.bn1.weight", "layer1.1.bn3.bias",
                    "layer2.0.downsample.0.weight", "layer3.0.conv1.weight", "fc.weight", "fc.bias"],
    )
    # BasicBlock: layer1 keeps the width (no downsample), layer2 has two blocks.
    make_tiny(
        "tiny-basic.json", depth=18, width=2, blocks=[1, 2, 1, 1], num_classes=3,
        input_shape=(3, 3, 24, 24), seed=1,
        grad_names=["conv1.weight", "bn1.bias", "layer1.0.conv2.weight", "layer2.0.downsample.0.weight",
                    "layer2.1.bn2.weight", "layer4.0.downsample.1.weight", "fc.weight"],
    )
