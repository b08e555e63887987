"""Generate the PyTorch parity fixtures for the core ops (test/fixtures/core/*.json).

Run from the repository root, with the interpreter that has PyTorch (1.13):

    /usr/bin/python3 scripts/make-core-fixtures.py

CI never runs this script (CI has no PyTorch): the JSON files it writes are committed,
and test/parity/core.test.ts compares our ops against them. Re-run it only when a case
is added or changed, and commit the regenerated files with the change.

Everything is deterministic (torch.manual_seed per case) and computed in float64.
Values are written with full float64 precision (Python's shortest round-trip repr,
which is what json.dumps writes); nothing is rounded.

Each file holds {"op": family, "cases": [case, ...]}; each case is

    {
      "name": str,                       # unique within the file, used as the test name
      "op": str,                         # our op: conv2d, batchNorm, crossEntropy, var, ...
      "args": {...},                     # the op's options, in our API's camelCase names
      "inputs": {name: entry, ...},      # in the op's argument order
      "gradOutput": entry,               # the seed of out.backward(gradOutput)
      "output": entry,                   # the forward output
      "grads": {name: entry, ...},       # the gradient of every input with requiresGrad
      "after": {name: entry, ...}        # optional: inputs mutated in place (running stats)
    }

and an entry is {"shape": [...], "dtype": "float64" | "int64", "requiresGrad": bool,
"values": [flat row-major values]} (the dtype / requiresGrad keys only on inputs).
A null input (e.g. "no bias") is written as null.
"""

import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
DT = torch.float64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "core")


def entry(t, requires_grad=None):
    t = t.detach()
    e = {"shape": list(t.shape)}
    if requires_grad is not None:
        e["dtype"] = "int64" if t.dtype == torch.int64 else "float64"
        e["requiresGrad"] = requires_grad
    if t.dtype == torch.int64:
        e["values"] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        vals = [float(v) for v in t.reshape(-1).tolist()]
        for v in vals:
            if v != v or v in (float("inf"), float("-inf")):
                raise ValueError("non-finite value in a fixture")
        e["values"] = vals
    return e


def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=DT) * scale


def make_case(name, op, seed, build, fn, args=None, no_grad=()):
    """build() -> dict of inputs (tensors or None), created after manual_seed(seed).
    fn(**inputs) -> output. Float inputs require grad unless named in no_grad."""
    torch.manual_seed(seed)
    inputs = build()
    leaves = {}
    for k, v in inputs.items():
        if v is None:
            leaves[k] = None
        elif v.dtype == torch.int64 or k in no_grad:
            leaves[k] = v.clone()
        else:
            leaves[k] = v.clone().requires_grad_(True)
    before = {k: (None if v is None else entry(v, v.requires_grad)) for k, v in leaves.items()}
    out = fn(**leaves)
    grad_out = torch.randn(out.shape, dtype=DT)
    out.backward(grad_out)
    case = {
        "name": name,
        "op": op,
        "args": args or {},
        "inputs": before,
        "gradOutput": entry(grad_out),
        "output": entry(out),
        "grads": {k: entry(v.grad) for k, v in leaves.items() if v is not None and v.requires_grad},
    }
    mutated = {k: entry(v) for k, v in leaves.items() if k in no_grad and v is not None}
    if mutated:
        case["after"] = mutated
    return case


def pair(v, n):
    return tuple(v) if isinstance(v, (list, tuple)) else (v,) * n


# ---------------------------------------------------------------- conv
def conv_cases():
    cases = []

    def conv(nd, name, seed, x_shape, w_shape, bias, stride=1, padding=0, dilation=1, groups=1):
        torch_conv = F.conv2d if nd == 2 else F.conv3d

        def build():
            d = {"x": randn(*x_shape), "w": randn(*w_shape, scale=0.5)}
            d["b"] = randn(w_shape[0]) if bias else None
            return d

        def fn(x, w, b):
            return torch_conv(x, w, b, stride=pair(stride, nd), padding=pair(padding, nd),
                              dilation=pair(dilation, nd), groups=groups)

        args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        cases.append(make_case(name, f"conv{nd}d", seed, build, fn, args))

    def conv2d(*args, **kwargs):
        conv(2, *args, **kwargs)

    def conv3d(*args, **kwargs):
        conv(3, *args, **kwargs)

    conv2d("conv2d plain 3x3 bias", 100, [1, 2, 5, 5], [3, 2, 3, 3], True)
    conv2d("conv2d groups=2 dilation=2 stride=2 padding=(1,2) bias", 101, [1, 4, 7, 6], [4, 2, 3, 3], True,
           stride=2, padding=[1, 2], dilation=2, groups=2)
    conv2d("conv2d groups=2 dilation=2 stride=2 padding=(1,2) no bias", 102, [1, 4, 6, 7], [4, 2, 3, 2], False,
           stride=2, padding=[1, 2], dilation=2, groups=2)
    conv2d("conv2d depthwise 3x3 padding 1 bias", 103, [1, 3, 5, 5], [3, 1, 3, 3], True, padding=1, groups=3)
    conv2d("conv2d depthwise multiplier 2 stride 2 no bias", 104, [1, 2, 7, 6], [4, 1, 3, 3], False,
           stride=2, padding=1, groups=2)
    conv2d("conv2d stride (2,1) dilation (1,2) padding (0,1) 1x3 kernel", 105, [1, 2, 5, 7], [3, 2, 2, 3], True,
           stride=[2, 1], padding=[0, 1], dilation=[1, 2])
    conv2d("conv2d 1x1 groups=3", 106, [1, 6, 3, 4], [3, 2, 1, 1], True, groups=3)
    conv3d("conv3d 3x1x1 kernel padding (1,0,0) bias", 110, [2, 2, 4, 2, 2], [3, 2, 3, 1, 1], True,
           padding=[1, 0, 0])
    conv3d("conv3d 3x1x1 kernel padding (1,0,0) no bias", 111, [1, 3, 5, 2, 2], [2, 3, 3, 1, 1], False,
           padding=[1, 0, 0])
    conv3d("conv3d general stride (1,2,2) padding 1 groups 2", 112, [1, 2, 3, 4, 4], [4, 1, 2, 3, 3], True,
           stride=[1, 2, 2], padding=1, groups=2)
    conv3d("conv3d 1x3x3 kernel dilation (1,2,1) padding (0,2,1)", 113, [1, 2, 2, 4, 3], [2, 2, 1, 3, 3], False,
           padding=[0, 2, 1], dilation=[1, 2, 1])
    return cases


# ---------------------------------------------------------------- batch norm
def batch_norm_cases():
    cases = []

    def bn(name, seed, shape, training, momentum=0.1, eps=1e-5):
        c = shape[1]

        def build():
            return {
                "x": randn(*shape, scale=1.5) + 0.7,
                "runningMean": randn(c, scale=0.5),
                "runningVar": torch.rand(c, dtype=DT) + 0.5,
                "weight": randn(c, scale=0.5) + 1.0,
                "bias": randn(c, scale=0.5),
            }

        def fn(x, runningMean, runningVar, weight, bias):
            return F.batch_norm(x, runningMean, runningVar, weight, bias, training=training,
                                momentum=momentum, eps=eps)

        args = {"training": training, "momentum": momentum, "eps": eps}
        cases.append(make_case(name, "batchNorm", seed, build, fn, args, no_grad=("runningMean", "runningVar")))

    bn("batchNorm train 4d momentum 0.1", 200, [3, 3, 3, 4], True, 0.1)
    bn("batchNorm train 4d momentum 0.3", 201, [2, 3, 3, 3], True, 0.3)
    bn("batchNorm train 2d (N, C) momentum 0.1", 202, [6, 5], True, 0.1)
    bn("batchNorm train 5d momentum 0.25 eps 1e-3", 203, [2, 2, 2, 2, 3], True, 0.25, 1e-3)
    bn("batchNorm eval 4d", 204, [2, 3, 2, 3], False, 0.1)
    bn("batchNorm eval 5d", 205, [2, 2, 2, 2, 2], False, 0.1)
    return cases


# ---------------------------------------------------------------- pooling
def pool_cases():
    cases = []

    def maxpool(name, seed, shape, kernelSize, stride=None, padding=0, dilation=1, ceilMode=False):
        def fn(x):
            return F.max_pool2d(x, pair(kernelSize, 2), None if stride is None else pair(stride, 2),
                                pair(padding, 2), pair(dilation, 2), ceil_mode=ceilMode)

        args = {"kernelSize": kernelSize, "padding": padding, "dilation": dilation, "ceilMode": ceilMode}
        if stride is not None:
            args["stride"] = stride
        cases.append(make_case(name, "maxPool2d", seed, lambda: {"x": randn(*shape)}, fn, args))

    def avgpool(name, seed, shape, kernelSize, stride=None, padding=0, ceilMode=False, countIncludePad=True):
        def fn(x):
            return F.avg_pool2d(x, pair(kernelSize, 2), None if stride is None else pair(stride, 2),
                                pair(padding, 2), ceil_mode=ceilMode, count_include_pad=countIncludePad)

        args = {"kernelSize": kernelSize, "padding": padding, "ceilMode": ceilMode,
                "countIncludePad": countIncludePad}
        if stride is not None:
            args["stride"] = stride
        cases.append(make_case(name, "avgPool2d", seed, lambda: {"x": randn(*shape)}, fn, args))

    def adaptive(name, seed, shape, size):
        def fn(x):
            return F.adaptive_avg_pool2d(x, size)

        cases.append(make_case(name, "adaptiveAvgPool2d", seed, lambda: {"x": randn(*shape)}, fn, {"size": size}))

    maxpool("maxPool2d 2x2 default stride", 300, [1, 1, 6, 5], 2)
    maxpool("maxPool2d 3x3 stride 2 padding 1", 301, [1, 2, 7, 6], 3, 2, 1)
    maxpool("maxPool2d 3x2 stride (1,2) padding (1,0)", 302, [1, 2, 5, 7], [3, 2], [1, 2], [1, 0])
    maxpool("maxPool2d 2x2 stride 2 ceilMode", 303, [1, 2, 5, 7], 2, 2, 0, ceilMode=True)
    maxpool("maxPool2d 2x2 stride 2 padding 1 ceilMode (last window dropped)", 304, [1, 2, 5, 5], 2, 2, 1,
            ceilMode=True)
    maxpool("maxPool2d 3x3 stride 2 dilation 2 padding 1 ceilMode", 305, [1, 2, 8, 9], 3, 2, 1, 2, ceilMode=True)
    avgpool("avgPool2d 2x2 default stride", 310, [1, 2, 4, 4], 2)
    avgpool("avgPool2d 3x3 stride 2 padding 1 countIncludePad", 311, [1, 2, 7, 6], 3, 2, 1, countIncludePad=True)
    avgpool("avgPool2d 3x3 stride 2 padding 1 no countIncludePad", 312, [1, 2, 7, 6], 3, 2, 1, countIncludePad=False)
    avgpool("avgPool2d 2x2 stride 2 ceilMode", 313, [1, 2, 5, 7], 2, 2, 0, ceilMode=True)
    avgpool("avgPool2d 3x3 stride 2 padding 1 ceilMode countIncludePad", 314, [1, 2, 6, 8], 3, 2, 1,
            ceilMode=True, countIncludePad=True)
    avgpool("avgPool2d 3x3 stride 2 padding 1 ceilMode no countIncludePad", 315, [1, 2, 6, 8], 3, 2, 1,
            ceilMode=True, countIncludePad=False)
    avgpool("avgPool2d 2x3 stride (1,2) padding (1,1) countIncludePad", 316, [1, 2, 4, 7], [2, 3], [1, 2], [1, 1],
            countIncludePad=True)
    avgpool("avgPool2d 2x2 stride 2 padding 1 ceilMode (last window dropped) countIncludePad", 317, [1, 2, 5, 5],
            2, 2, 1, ceilMode=True, countIncludePad=True)
    adaptive("adaptiveAvgPool2d 5x7 -> 3x2", 320, [1, 2, 5, 7], [3, 2])
    adaptive("adaptiveAvgPool2d 7x5 -> 4x3", 321, [1, 2, 7, 5], [4, 3])
    adaptive("adaptiveAvgPool2d 6x6 -> 4 (number)", 322, [1, 2, 6, 6], 4)
    adaptive("adaptiveAvgPool2d 5x7 -> 1x1 (global)", 323, [1, 1, 5, 7], [1, 1])
    adaptive("adaptiveAvgPool2d 3x4 -> 5x6 (upsampling)", 324, [1, 2, 3, 4], [5, 6])
    return cases


# ---------------------------------------------------------------- softmax
def softmax_cases():
    cases = []

    def sm(name, seed, op, shape, dim, scale=1.0):
        f = F.softmax if op == "softmax" else F.log_softmax
        cases.append(make_case(name, op, seed, lambda: {"x": randn(*shape, scale=scale)},
                               lambda x: f(x, dim=dim), {"dim": dim}))

    sm("softmax dim -1", 400, "softmax", [2, 3, 4], -1)
    sm("softmax dim 0", 401, "softmax", [2, 3, 4], 0)
    sm("softmax dim 1", 402, "softmax", [2, 3, 4], 1)
    sm("softmax dim 1 large logits (scale 40)", 403, "softmax", [2, 6, 3], 1, scale=40.0)
    sm("softmax 1d", 404, "softmax", [7], 0)
    sm("logSoftmax dim -1", 410, "logSoftmax", [2, 3, 4], -1)
    sm("logSoftmax dim 0", 411, "logSoftmax", [2, 3, 4], 0)
    sm("logSoftmax dim 1", 412, "logSoftmax", [2, 3, 4], 1)
    sm("logSoftmax dim 2 large logits (scale 40)", 413, "logSoftmax", [2, 3, 6], 2, scale=40.0)
    return cases


# ---------------------------------------------------------------- cross entropy
def cross_entropy_cases():
    cases = []

    def ce(name, seed, logits_shape, labelSmoothing, reduction, ignoreIndex=None, n_ignored=0):
        n, c = logits_shape[0], logits_shape[1]
        t_shape = [n] + logits_shape[2:]

        def build():
            x = randn(*logits_shape, scale=1.5)
            t = torch.randint(0, c, t_shape, dtype=torch.int64)
            if n_ignored:
                flat = t.reshape(-1)
                idx = torch.randperm(flat.numel())[:n_ignored]
                flat[idx] = -100 if ignoreIndex is None else ignoreIndex
                t = flat.reshape(t_shape)
            return {"logits": x, "targets": t}

        def fn(logits, targets):
            kw = {"label_smoothing": labelSmoothing, "reduction": reduction}
            if ignoreIndex is not None:
                kw["ignore_index"] = ignoreIndex
            return F.cross_entropy(logits, targets, **kw)

        args = {"labelSmoothing": labelSmoothing, "reduction": reduction}
        if ignoreIndex is not None:
            args["ignoreIndex"] = ignoreIndex
        cases.append(make_case(name, "crossEntropy", seed, build, fn, args))

    ce("crossEntropy (N,C) mean", 500, [6, 5], 0.0, "mean")
    ce("crossEntropy (N,C) smoothing 0.1 mean", 501, [6, 5], 0.1, "mean")
    ce("crossEntropy (N,C) smoothing 0.1 sum", 502, [6, 5], 0.1, "sum")
    ce("crossEntropy (N,C) smoothing 0.1 none", 503, [6, 5], 0.1, "none")
    ce("crossEntropy (N,C) smoothing 0.3 mean ignoreIndex -100", 504, [8, 4], 0.3, "mean", None, 3)
    ce("crossEntropy (N,C) smoothing 0.3 sum ignoreIndex -100", 505, [8, 4], 0.3, "sum", None, 3)
    ce("crossEntropy (N,C) smoothing 0.3 none ignoreIndex -100", 506, [8, 4], 0.3, "none", None, 3)
    ce("crossEntropy (N,C) no smoothing mean ignoreIndex 2 (a class index)", 507, [8, 4], 0.0, "mean", 2, 0)
    ce("crossEntropy (N,C) smoothing 0.1 mean ignoreIndex 1 (a class index)", 508, [8, 4], 0.1, "mean", 1, 0)
    ce("crossEntropy (N,C,d) mean", 510, [3, 4, 5], 0.0, "mean")
    ce("crossEntropy (N,C,d) smoothing 0.1 mean ignoreIndex -100", 511, [3, 4, 5], 0.1, "mean", None, 4)
    ce("crossEntropy (N,C,d) smoothing 0.3 sum ignoreIndex -100", 512, [3, 4, 5], 0.3, "sum", None, 4)
    ce("crossEntropy (N,C,d) smoothing 0.3 none ignoreIndex 7", 513, [3, 4, 5], 0.3, "none", 7, 5)
    ce("crossEntropy (N,C,d1,d2) smoothing 0.1 mean ignoreIndex -100", 514, [2, 3, 2, 3], 0.1, "mean", None, 2)
    return cases


# ---------------------------------------------------------------- matmul / bmm / linear
def matmul_cases():
    cases = []

    def mm(name, seed, sa, sb):
        cases.append(make_case(name, "matmul", seed, lambda: {"a": randn(*sa), "b": randn(*sb)},
                               lambda a, b: torch.matmul(a, b)))

    mm("matmul [2,1,3,4] x [5,4,2]", 600, [2, 1, 3, 4], [5, 4, 2])
    mm("matmul [3] x [2,3,4]", 601, [3], [2, 3, 4])
    mm("matmul [2,3,4] x [4]", 602, [2, 3, 4], [4])
    mm("matmul [4] x [4]", 603, [4], [4])
    mm("matmul [3,4] x [4,5]", 604, [3, 4], [4, 5])
    mm("matmul [3,4] x [2,4,2]", 605, [3, 4], [2, 4, 2])
    mm("matmul [2,1,2,3] x [1,3,3,2]", 606, [2, 1, 2, 3], [1, 3, 3, 2])
    def lin(x, w, b):
        return F.linear(x, w, b)

    cases.append(make_case("bmm [3,2,4] x [3,4,5]", "bmm", 610,
                           lambda: {"a": randn(3, 2, 4), "b": randn(3, 4, 5)}, lambda a, b: torch.bmm(a, b)))
    cases.append(make_case("linear [2,3,4] x W[5,4] + b", "linear", 620,
                           lambda: {"x": randn(2, 3, 4), "w": randn(5, 4), "b": randn(5)}, lin))
    cases.append(make_case("linear [6,3] x W[2,3] + b", "linear", 621,
                           lambda: {"x": randn(6, 3), "w": randn(2, 3), "b": randn(2)}, lin))
    cases.append(make_case("linear [4] x W[3,4] + b (1d input)", "linear", 622,
                           lambda: {"x": randn(4), "w": randn(3, 4), "b": randn(3)}, lin))
    cases.append(make_case("linear [3,4] x W[2,4] no bias", "linear", 623,
                           lambda: {"x": randn(3, 4), "w": randn(2, 4), "b": None}, lin))
    return cases


# ---------------------------------------------------------------- elementwise / reductions
def elementwise_cases():
    cases = []

    def var(name, seed, shape, dim, keepdim, correction):
        def fn(x):
            d = dim if not isinstance(dim, list) else tuple(dim)
            return torch.var(x, dim=d, keepdim=keepdim, correction=correction)

        args = {"keepdim": keepdim, "correction": correction}
        if dim is not None:
            args["dim"] = dim
        cases.append(make_case(name, "var", seed, lambda: {"x": randn(*shape) + 2.0}, fn, args))

    var("var dim 1", 700, [3, 4, 5], 1, False, 1)
    var("var dims [0,2] keepdim", 701, [3, 4, 5], [0, 2], True, 1)
    var("var dim -1 correction 0", 702, [4, 6], -1, False, 0)
    var("var all", 703, [3, 5], None, False, 1)
    var("var dims [1,2] correction 2", 704, [2, 3, 4], [1, 2], False, 2)

    def amax(name, seed, shape, dim, keepdim):
        def fn(x):
            d = dim if not isinstance(dim, list) else tuple(dim)
            return torch.amax(x, dim=d, keepdim=keepdim)

        cases.append(make_case(name, "max", seed, lambda: {"x": randn(*shape)}, fn, {"dim": dim, "keepdim": keepdim}))

    amax("max dim 1", 710, [3, 4, 5], 1, False)
    amax("max dim -1 keepdim", 711, [3, 4, 5], -1, True)
    amax("max dims [0,2]", 712, [3, 4, 5], [0, 2], False)
    cases.append(make_case("max all", "max", 713, lambda: {"x": randn(4, 5)}, lambda x: torch.amax(x)))

    cases.append(make_case("pow tensor ** 3", "pow", 720, lambda: {"x": randn(3, 4)}, lambda x: x.pow(3),
                           {"exponent": 3}))
    cases.append(make_case("pow positive tensor ** 0.5", "pow", 721, lambda: {"x": torch.rand(3, 4, dtype=DT) + 0.5},
                           lambda x: x.pow(0.5), {"exponent": 0.5}))
    cases.append(make_case("pow positive tensor ** -1.5", "pow", 722,
                           lambda: {"x": torch.rand(2, 5, dtype=DT) + 0.5}, lambda x: x.pow(-1.5), {"exponent": -1.5}))
    cases.append(make_case("pow [3,1,4] ** [2,4] broadcast (positive base)", "pow", 723,
                           lambda: {"x": torch.rand(3, 1, 4, dtype=DT) + 0.5, "y": randn(2, 4)},
                           lambda x, y: x.pow(y)))
    cases.append(make_case("div [3,1,4] / [2,4] broadcast", "div", 730,
                           lambda: {"a": randn(3, 1, 4), "b": torch.rand(2, 4, dtype=DT) + 0.5},
                           lambda a, b: a / b))
    cases.append(make_case("div [2,3] / [3,1,1] broadcast", "div", 731,
                           lambda: {"a": randn(2, 3), "b": -(torch.rand(3, 1, 1, dtype=DT) + 0.5)},
                           lambda a, b: a / b))
    cases.append(make_case("div [4,3] / scalar 2.5", "div", 732, lambda: {"a": randn(4, 3)}, lambda a: a / 2.5,
                           {"divisor": 2.5}))
    cases.append(make_case("sum dims [0,2] keepdim", "sum", 740, lambda: {"x": randn(2, 3, 4)},
                           lambda x: x.sum(dim=(0, 2), keepdim=True), {"dim": [0, 2], "keepdim": True}))
    return cases


FILES = {
    "conv": conv_cases,
    "batch-norm": batch_norm_cases,
    "pool": pool_cases,
    "softmax": softmax_cases,
    "cross-entropy": cross_entropy_cases,
    "matmul": matmul_cases,
    "elementwise": elementwise_cases,
}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name, make in FILES.items():
        cases = make()
        names = [c["name"] for c in cases]
        assert len(set(names)) == len(names), f"duplicate case names in {name}"
        text = json.dumps({"op": name, "cases": cases}, separators=(",", ":")) + "\n"
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
        print(f"{path}: {len(cases)} cases, {len(text)} bytes")
    print(f"total: {total} bytes")


if __name__ == "__main__":
    main()
