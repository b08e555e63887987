"""PyTorch on the benchmark specs, for the ratio column of `npm run bench`.

The TypeScript side (bench/runners/pytorch.ts) runs this script as a subprocess and writes a JSON
request to its stdin:

    {"threads": 2,
     "policy": {"maxTime": 2, "minSamples": 1, "minTime": 0.05},
     "cases": [{"id": "gemm", "title": "GEMM ...", "spec": {"kind": "gemm", "m": ..., ...},
                "policy": {...}}, ...]}

Specs are those of bench/spec.ts; a case's own policy (a larger minSamples) replaces the run's. The script answers on stdout with one JSON object:

    {"description": "PyTorch 1.13.0, 2 threads",
     "results": [{"id": ..., "status": "timed", "medianSeconds": ..., "samples": ..., "marginPercent": ...}
                 or {"id": ..., "status": "failed", "error": "..."}
                 or {"id": ..., "status": "missing", "why": "..."}]}

or {"unavailable": "why"} when PyTorch cannot be imported. Progress goes to stderr.
Timing follows bench/policy.ts, the rules Benchmark.js applies on the JavaScript side.
"""

import json
import math
import os
import statistics
import sys
import time

# scripts/ssan_reference.py, the PyTorch SSA with the TypeScript module's layers and defaults.
SCRIPTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "scripts")


def conv_output(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


def prepare_conv(torch, F, s):
    out_h = conv_output(s["height"], s["kernel"], s["stride"], s["padding"])
    out_w = conv_output(s["width"], s["kernel"], s["stride"], s["padding"])
    x = torch.randn(s["batch"], s["inChannels"], s["height"], s["width"])
    w = torch.randn(s["outChannels"], s["inChannels"], s["kernel"], s["kernel"])
    gy = torch.randn(s["batch"], s["outChannels"], out_h, out_w)
    stride, padding = [s["stride"]] * 2, [s["padding"]] * 2

    def backward(mask):
        # The kernel autograd calls for a convolution's backward; the mask picks which gradients
        # (input, weight, bias) it computes, so one pass can be timed alone.
        return lambda: torch.ops.aten.convolution_backward(
            gy, x, w, None, stride, padding, [1, 1], False, [0, 0], 1, mask)

    pass_ = s["pass"]
    if pass_ == "forward":
        return lambda: F.conv2d(x, w, None, stride, padding)
    if pass_ == "backwardData":
        return backward([True, False, False])
    if pass_ == "backwardFilter":
        return backward([False, True, False])
    if pass_ == "trainStep":
        x.requires_grad_(True)
        w.requires_grad_(True)

        def step():
            x.grad = None  # a fresh gradient each step, not a sum over calls
            w.grad = None
            F.conv2d(x, w, None, stride, padding).backward(gy)

        return step
    raise ValueError("unknown conv pass " + repr(pass_))


def prepare_bottleneck(torch, F, s):
    n, c, p, h, w_ = s["batch"], s["inPlanes"], s["planes"], s["height"], s["width"]
    x = torch.randn(n, c, h, w_, requires_grad=True)
    gy = torch.randn(n, c, h, w_)
    convs = [torch.randn(p, c, 1, 1), torch.randn(p, p, 3, 3), torch.randn(c, p, 1, 1)]
    bns = []
    for channels in (p, p, c):
        bns.append({
            "weight": torch.randn(channels), "bias": torch.randn(channels),
            "mean": torch.zeros(channels), "var": torch.ones(channels),
        })
    leaves = [x] + convs + [b[k] for b in bns for k in ("weight", "bias")]
    for t in leaves:
        t.requires_grad_(True)

    def bn(t, b):
        return F.batch_norm(t, b["mean"], b["var"], b["weight"], b["bias"], training=True, momentum=0.1, eps=1e-5)

    def step():
        for t in leaves:
            t.grad = None
        h1 = F.relu(bn(F.conv2d(x, convs[0]), bns[0]))
        h2 = F.relu(bn(F.conv2d(h1, convs[1], padding=1), bns[1]))
        out = F.relu(bn(F.conv2d(h2, convs[2]), bns[2]) + x)
        out.backward(gy)

    return step


class Missing(Exception):
    """This PyTorch cannot run the case (the answer says why), as opposed to a case that failed."""


def import_ssan_reference():
    """scripts/ssan_reference.py, which builds on torchvision (through scripts/tiny_torchvision.py)."""
    if SCRIPTS_DIR not in sys.path:
        sys.path.insert(0, SCRIPTS_DIR)
    try:
        import ssan_reference
    except ImportError as e:
        raise Missing("scripts/ssan_reference.py cannot be imported (%s)" % e) from e
    return ssan_reference


def prepare_ssa(torch, s):
    reference = import_ssan_reference()
    # The default flags, as the TypeScript runners build it; a module starts in training mode.
    block = reference.SSA(s["channels"], s["segments"])
    with torch.no_grad():
        block.bn.weight.normal_()  # gamma starts at 0, which would send only zeros back into the attention
    shape = (s["clips"] * s["segments"], s["channels"], s["height"], s["width"])
    x = torch.randn(*shape, requires_grad=True)
    gy = torch.randn(*shape)

    def step():
        x.grad = None  # fresh gradients each call, not a sum over calls
        block.zero_grad(set_to_none=True)
        block(x).backward(gy)

    return step


# Where createModel puts SSA by default: A_odd's blocks (layer2 {1, 3}, layer3 {1, 3, 5}) that the
# ResNet has (src/ssan/models/placement.ts defaultPlacement), so ResNet-18 gets layer2 {1}, layer3 {1}.
A_ODD = {"layer2": [1, 3], "layer3": [1, 3, 5]}
STAGE_BLOCKS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}


def default_placement(depth):
    blocks = dict(zip(("layer1", "layer2", "layer3", "layer4"), STAGE_BLOCKS[depth]))
    return {stage: [i for i in wanted if i < blocks[stage]] for stage, wanted in A_ODD.items()
            if any(i < blocks[stage] for i in wanted)}


def prepare_train_step(torch, F, s):
    """One training step as runners/train-step.ts takes it: gradients set to none, forward in training
    mode, mean cross-entropy, backward, Nesterov SGD over every parameter."""
    reference = import_ssan_reference()  # also puts scripts/ on the path for tiny_torchvision
    from tiny_torchvision import build_resnet
    if s["arch"] == "resnet":
        if s["segments"] != 1:
            raise ValueError("a 'resnet' step classifies images; segments must be 1")
        # At width 64 this is torchvision's resnet18/34/50/101 itself (tiny_torchvision checks it).
        model = build_resnet(s["depth"], width=s["width"], num_classes=s["numClasses"])
        x = torch.randn(s["clips"], 3, s["size"], s["size"])
    else:
        model = reference.create_model(
            s["arch"], s["depth"], s["numClasses"], s["segments"], width=s["width"],
            placement=default_placement(s["depth"]), ssa={"attn_scale": s["attnScale"]}, dropout=s["dropout"])
        x = torch.randn(s["clips"], s["segments"], 3, s["size"], s["size"])
    model.train()
    labels = torch.tensor([(i * 7) % s["numClasses"] for i in range(s["clips"])], dtype=torch.long)
    optimizer = torch.optim.SGD(model.parameters(), lr=s["lr"], momentum=s["momentum"], nesterov=True,
                                weight_decay=s["weightDecay"])

    def step():
        optimizer.zero_grad(set_to_none=True)  # as ours; PyTorch 1.13's default would fill zeros
        F.cross_entropy(model(x), labels).backward()
        optimizer.step()

    return step


def prepare(torch, F, spec):
    torch.manual_seed(0)
    kind = spec["kind"]
    if kind == "gemm":
        a, b = torch.randn(spec["m"], spec["k"]), torch.randn(spec["k"], spec["n"])
        return lambda: torch.matmul(a, b)
    if kind == "bmm":
        a = torch.randn(spec["batch"], spec["m"], spec["k"])
        b = torch.randn(spec["batch"], spec["k"], spec["n"])
        return lambda: torch.bmm(a, b)
    if kind == "conv":
        return prepare_conv(torch, F, spec)
    if kind == "bottleneck":
        return prepare_bottleneck(torch, F, spec)
    if kind == "ssa":
        return prepare_ssa(torch, spec)
    if kind == "trainStep":
        return prepare_train_step(torch, F, spec)
    raise ValueError("unknown benchmark kind " + repr(kind))


# Two-sided 95% critical values of Student's t by degrees of freedom, as Benchmark.js uses for its
# margin of error (larger samples use the normal value).
T_95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145,
        2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045,
        2.042]


def relative_margin_percent(samples):
    if len(samples) < 2:
        return 0.0
    mean = statistics.fmean(samples)
    sem = statistics.stdev(samples) / math.sqrt(len(samples))
    df = len(samples) - 1
    critical = T_95[df - 1] if df <= len(T_95) else 1.96
    return critical * sem / mean * 100


def measure(call, policy):
    """Benchmark.js's loop: a warm-up call, then samples of `count` calls lasting >= minTime each,
    until minSamples samples and maxTime seconds of sampling; the median seconds per call."""
    call()
    samples, count, elapsed = [], 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(count):
            call()
        took = time.perf_counter() - start
        if took < policy["minTime"]:
            # A calibration cycle, not a sample: grow count so the next cycle lasts minTime.
            per_call = max(took / count, 1e-9)
            count += math.ceil((policy["minTime"] - took) / per_call)
            continue
        samples.append(took / count)
        elapsed += took
        if len(samples) >= policy["minSamples"] and elapsed > policy["maxTime"]:
            return statistics.median(samples), samples


def blas_library():
    """The BLAS library this process loaded (Linux only), for the report: torch.matmul and torch.bmm
    run on it, and a distribution's torch may link the reference BLAS, many times slower than
    OpenBLAS or MKL (convolutions run on oneDNN either way)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()}
    except OSError:
        return "unknown"
    paths = sorted(p for p in paths if p.startswith("/"))
    return ", ".join(paths) if paths else "built in"


def main():
    request = json.load(sys.stdin)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        json.dump({"unavailable": "PyTorch cannot be imported by %s (%s)" % (sys.executable, e)}, sys.stdout)
        return
    torch.set_num_threads(request["threads"])
    description = "PyTorch %s, %d thread(s), BLAS %s" % (torch.__version__, torch.get_num_threads(), blas_library())
    print("Running \"pytorch: %s\" suite..." % description, file=sys.stderr, flush=True)
    results = []
    for case in request["cases"]:
        try:
            call = prepare(torch, F, case["spec"])
            med, samples = measure(call, case.get("policy", request["policy"]))
            results.append({"id": case["id"], "status": "timed", "medianSeconds": med,
                            "samples": len(samples), "marginPercent": relative_margin_percent(samples)})
            print("  %s: median %.2f ms per call, %d sample(s)" % (case["title"], med * 1e3, len(samples)),
                  file=sys.stderr, flush=True)
        except Missing as e:
            results.append({"id": case["id"], "status": "missing", "why": str(e)})
            print("  %s: missing (%s)" % (case["title"], e), file=sys.stderr, flush=True)
        except Exception as e:  # one failing case must not lose the others' results
            results.append({"id": case["id"], "status": "failed", "error": "%s: %s" % (type(e).__name__, e)})
            print("  %s: failed: %s" % (case["title"], e), file=sys.stderr, flush=True)
        call = None  # free this case's tensors before the next one allocates
    json.dump({"description": description, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
