"""Generate the SSAN parity fixtures (test/fixtures/ssan/) from a PyTorch reference implementation.

Run from the repository root, with the interpreter that has PyTorch 1.13 and torchvision 0.14:

    /usr/bin/python3 scripts/make-ssan-fixtures.py

CI never runs this script; the files it writes are committed and read by test/parity/ssan.test.ts.
The modules come from scripts/ssan_reference.py, an independent implementation of docs/model.md
whose state-dict keys are the TypeScript modules' keys. Everything is seeded and computed in float64.

cases.json lists the cases. Each one is

    {
      "name": str,                    # the test's name
      "kind": "ssa" | "nonLocal" | "model",
      "config": {...},                # the TypeScript constructor's arguments, in its camelCase names:
                                      #   ssa / nonLocal: {"channels", plus the options object}
                                      #   model: createModel's config
      "file": "<name>.safetensors",   # this case's tensors
      "stateKeys": [...],             # the module's state-dict keys, in PyTorch's (registration) order
      "modes": ["eval", "train"],     # which modes the file holds results for
      "clip": "clip.safetensors"      # models only: the file with the shared input clip and labels
    }

and its safetensors file holds

    state.<key>            the module's state dict (weights random, rounded to half precision so that
                           both dtypes of the test load exactly the values PyTorch computed with; BatchNorm
                           affine parameters and running statistics random, so that no block is the
                           identity it is at initialisation; in whole models the BNs that end residual
                           branches get a smaller random gamma, see damp_residual_branches)
    blocks (ssa, nonLocal), for each mode:
      input, upstream      x (N*T, C, H, W), H != W, and the fixed upstream gradient R: loss = (out * R).sum()
      <mode>.output        the block's output
      <mode>.grad.input    dloss/dx
      <mode>.grad.<param>  dloss/dparam, for every parameter
      train.buffer.<name>  every buffer after the train-mode forward (BatchNorm running statistics)
    models:
      eval.logits          eval-mode logits of the clip
      train.logits, train.loss     train-mode logits and the cross-entropy loss on the clip's labels
      train.grad.<param>   the gradients of a few parameters
      train.buffer.<name>  every buffer after the train-mode forward

clip.safetensors holds the models' input clip (N, T, 3, H, W) and their labels. Every random value
(weights, inputs, upstream gradients) is rounded to half precision and stored as F16: exact in both
dtypes of the test, half the bytes of float32. Expected values are computed in float64 and stored as F64.

Before writing, each case is also run in float32 (the same rounded weights) and compared with the
float64 result with the test's float32 tolerance: a case too ill-conditioned for that test stops the
script rather than producing a fixture that could only pass by luck.
"""

import copy
import importlib.util
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ssan_reference as ref  # noqa: E402

_spec = importlib.util.spec_from_file_location("convert_torchvision", os.path.join(HERE, "convert-torchvision.py"))
convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert)

torch.set_default_dtype(torch.float64)
OUT_DIR = os.path.join(HERE, "..", "test", "fixtures", "ssan")
# The float32 tolerance of test/parity/ssan.test.ts; fixtures must pass it with this margin to spare.
FLOAT32_REL = 1e-4
FLOAT32_MARGIN = 0.25

# Block cases: N=2 clips of T=4 frames, C=8 channels, 4x5 frames (non-square: a transposition shows).
CLIPS, SEGMENTS, CHANNELS, HEIGHT, WIDTH = 2, 4, 8, 4, 5


# ---------------------------------------------------------------------------------------------------
# Random, exactly representable values


def as_half_values(t):
    """t rounded to half precision but kept float64: numbers that float32 and float64 both hold exactly,
    so both dtypes of the test start from the values PyTorch computed with, and stored in half the bytes."""
    return t.half().double()


def randomise(module, seed):
    """Random weights and BatchNorm state for every submodule (every value rounded to half precision).

    Conv weights are N(0, 1/fan_in): attention embeddings then have unit-size entries and their
    softmaxes are neither uniform nor one-hot. BatchNorm gamma in [0.5, 1.5), beta and running means
    non-zero, variances in [0.5, 1.5): in particular every block's output BN is not the zero-init identity.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv3d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(as_half_values(torch.randn(m.weight.shape, generator=g) / fan_in ** 0.5))
                if m.bias is not None:
                    m.bias.copy_(as_half_values(torch.randn(m.bias.shape, generator=g) * 0.2))
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(as_half_values(torch.rand(c, generator=g) + 0.5))
                m.bias.copy_(as_half_values(torch.randn(c, generator=g) * 0.3))
                m.running_mean.copy_(as_half_values(torch.randn(c, generator=g) * 0.2))
                m.running_var.copy_(as_half_values(torch.rand(c, generator=g) + 0.5))
                m.num_batches_tracked.fill_(3)


def residual_branch_ends(model):
    """The BatchNorms that end a residual branch: a block's last BN and every attention block's output BN."""
    for m in model.modules():
        if isinstance(m, ref.tv.Bottleneck):
            yield m.bn3
        elif isinstance(m, ref.tv.BasicBlock):
            yield m.bn2
        elif isinstance(m, (ref.SSA, ref.NonLocal)):
            yield m.bn


def damp_residual_branches(model, seed):
    """gamma in [0.1, 0.3) for the BNs that end residual branches of a whole model.

    A random ResNet-50 in train mode (BatchNorm on batch statistics) is chaotic: with every branch at
    full strength, float32 rounding grows through the 16 blocks until the gradients of the early layers
    differ from float64 by more than 1e-4 of their size, in PyTorch itself. Weaker branches keep the
    network close to its residual stream, where float32 stays accurate; they are still random and far
    from zero, so every block and every attention module still shapes the logits and the gradients.
    """
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for bn in residual_branch_ends(model):
            bn.weight.copy_(as_half_values(torch.rand(bn.num_features, generator=g) * 0.2 + 0.1))


def state_tensors(module):
    """The state dict as stored: floats as F16 (they are half-precision values), counters as I64."""
    out = {}
    for k, v in module.state_dict().items():
        out[f"state.{k}"] = v.detach().clone() if v.dtype == torch.int64 else v.detach().half()
    return out


# ---------------------------------------------------------------------------------------------------
# The float32 conditioning check (the test's tolerance, with a margin)


# An expected array whose values are all below this is an exact zero up to rounding (the gradient of a
# conv bias right before a train-mode BatchNorm): its float32 values are rounding noise of the size of
# the gradients around it, so its tolerance is taken from the largest gradient of the same mode.
NUMERICAL_ZERO = 1e-9


def worst_ratio(actual, expected, zero_scale):
    """Largest |actual - expected| / tolerance, the tolerance being the test's float32 one."""
    actual, expected = actual.double().reshape(-1), expected.double().reshape(-1)
    scale = expected.abs().max()
    if scale < NUMERICAL_ZERO:
        scale = zero_scale
    tol = FLOAT32_REL * (expected.abs() + scale) + 1e-7
    return ((actual - expected).abs() / tol).max().item()


def check_float32(name, results64, results32):
    worst = 0.0
    for k, v in results64.items():
        mode = k.split(".")[0]
        grads = [g.abs().max().item() for n, g in results64.items() if n.startswith(f"{mode}.grad.")]
        worst = max(worst, worst_ratio(results32[k], v, max(grads, default=0.0)))
    print(f"  {name}: float32 error {worst:.3f}x the test's tolerance")
    if not worst <= FLOAT32_MARGIN:
        raise RuntimeError(f"{name}: float32 is {worst:.2f}x the tolerance; the fixture is too ill-conditioned")


# ---------------------------------------------------------------------------------------------------
# Blocks


def python_options(options):
    """The TypeScript options object (camelCase) -> the reference's keyword arguments."""
    names = {"numSegments": "num_segments", "reduction": "reduction", "channelBranch": "channel_branch",
             "taValue": "ta_value", "temporalKernel": "temporal_kernel", "attnScale": "attn_scale",
             "camStyle": "cam_style", "kind": "kind", "subSample": "sub_sample", "fusion": "fusion"}
    return {names[k]: v for k, v in options.items()}


def build_block(kind, config):
    options = python_options({k: v for k, v in config.items() if k != "channels"})
    if kind == "ssa":
        return ref.SSA(config["channels"], **options)
    return ref.non_local(config["channels"], **options)


def run_block(module, x, upstream, mode):
    """Output, dloss/dx and dloss/dparam for loss = (out * upstream).sum(), in `mode`."""
    module.train(mode == "train")
    x = x.clone().requires_grad_(True)
    module.zero_grad(set_to_none=True)
    out = module(x)
    (out * upstream).sum().backward()
    results = {f"{mode}.output": out.detach(), f"{mode}.grad.input": x.grad}
    for k, p in module.named_parameters():
        results[f"{mode}.grad.{k}"] = p.grad
    if mode == "train":
        for k, b in module.named_buffers():
            results[f"train.buffer.{k}"] = b.detach().clone()
    return results


def block_results(module, x, upstream, modes):
    results = {}
    for mode in modes:
        # Each mode starts from the stored state (train mode updates the running statistics).
        results.update(run_block(copy.deepcopy(module), x, upstream, mode))
    return results


def make_block_case(name, kind, config, seed, modes=("eval",)):
    torch.manual_seed(seed)
    module = build_block(kind, config)
    randomise(module, seed)
    g = torch.Generator().manual_seed(seed + 1000)
    shape = (CLIPS * SEGMENTS, config["channels"], HEIGHT, WIDTH)
    x = as_half_values(torch.randn(shape, generator=g))
    upstream = as_half_values(torch.randn(shape, generator=g))

    results = block_results(module, x, upstream, modes)
    module32 = copy.deepcopy(module).float()
    results32 = block_results(module32, x.float(), upstream.float(), modes)
    check_float32(name, {k: v for k, v in results.items() if v.dtype.is_floating_point},
                  {k: v for k, v in results32.items() if v.dtype.is_floating_point})

    tensors = state_tensors(module)
    tensors["input"] = x.half()
    tensors["upstream"] = upstream.half()
    tensors.update({k: v if v.dtype == torch.int64 else v.double() for k, v in results.items()})
    write_tensors(f"{name}.safetensors", tensors)
    return {"name": name, "kind": kind, "config": config, "file": f"{name}.safetensors",
            "stateKeys": list(module.state_dict().keys()), "modes": list(modes)}


# ---------------------------------------------------------------------------------------------------
# Whole models


def build_model(config):
    """createModel(config) of the TypeScript side, in the reference."""
    unknown = config.keys() - {"arch", "depth", "numClasses", "numSegments", "width", "placement", "ssa", "nl",
                               "dropout"}
    if unknown:
        raise ValueError(f"build_model: unknown config keys {sorted(unknown)}")
    return ref.create_model(
        config["arch"], config["depth"], config["numClasses"], config["numSegments"],
        width=config.get("width", 64), placement=config.get("placement", "A_odd"),
        ssa=python_options(config["ssa"]) if "ssa" in config else None,
        nl=python_options(config["nl"]) if "nl" in config else None,
        dropout=config.get("dropout", 0.5),
    )


def model_results(model, clip, labels, grad_names):
    model = copy.deepcopy(model)
    results = {}
    model.eval()
    with torch.no_grad():
        results["eval.logits"] = model(clip)
    model.train()
    logits = model(clip)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    params = dict(model.named_parameters())
    results["train.logits"] = logits.detach()
    results["train.loss"] = loss.detach()
    for k in grad_names:
        results[f"train.grad.{k}"] = params[k].grad
    for k, b in model.named_buffers():
        results[f"train.buffer.{k}"] = b.detach().clone()
    return results


def make_model_case(name, config, clip, labels, seed, grad_names):
    torch.manual_seed(seed)
    model = build_model(config)
    randomise(model, seed)
    damp_residual_branches(model, seed)
    results = model_results(model, clip, labels, grad_names)
    results32 = model_results(copy.deepcopy(model).float(), clip.float(), labels, grad_names)
    check_float32(name, {k: v for k, v in results.items() if v.dtype.is_floating_point},
                  {k: v for k, v in results32.items() if v.dtype.is_floating_point})
    tensors = state_tensors(model)
    tensors.update({k: v if v.dtype == torch.int64 else v.double() for k, v in results.items()})
    write_tensors(f"{name}.safetensors", tensors)
    return {"name": name, "kind": "model", "config": config, "file": f"{name}.safetensors",
            "stateKeys": list(model.state_dict().keys()), "modes": ["eval", "train"], "clip": "clip.safetensors"}


# ---------------------------------------------------------------------------------------------------
# Files


def write_tensors(file, tensors):
    size = convert.write_safetensors(os.path.join(OUT_DIR, file), {k: v.contiguous() for k, v in tensors.items()})
    print(f"wrote {file} ({size} bytes)")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    cases = []
    ssa = {"channels": CHANNELS, "numSegments": SEGMENTS}
    # The default SSA in both modes (train: BatchNorm on batch statistics, running statistics updated).
    cases.append(make_block_case("ssa-default", "ssa", ssa, seed=1, modes=("eval", "train")))
    # One flag at a time (docs/model.md: the ambiguities and the Table 5 chain).
    variants = [
        ("ssa-no-channel-branch", {"channelBranch": False}),
        ("ssa-ta-value-x-hat", {"taValue": "x_hat"}),
        ("ssa-ta-value-separate-g", {"taValue": "separate_g"}),
        ("ssa-temporal-kernel-1", {"temporalKernel": 1}),
        ("ssa-attn-scale-none", {"attnScale": "none"}),
        ("ssa-attn-scale-dot", {"attnScale": "dot"}),
        ("ssa-cam-style-danet", {"camStyle": "danet"}),
        ("ssa-reduction-1", {"reduction": 1}),
    ]
    for i, (name, flags) in enumerate(variants):
        cases.append(make_block_case(name, "ssa", {**ssa, **flags}, seed=10 + i))
    non_locals = [
        ("nl-3d", {"kind": "3d"}),
        ("nl-2d", {"kind": "2d"}),
        ("nl-1d", {"kind": "1d"}),
        ("nl-3d-sub-sample", {"kind": "3d", "subSample": True}),
        ("nl-2d-sub-sample", {"kind": "2d", "subSample": True}),
        ("nl-2d1d-fused", {"kind": "2d1d", "fusion": "fused"}),
        ("nl-2d1d-stacked", {"kind": "2d1d", "fusion": "stacked"}),
    ]
    for i, (name, options) in enumerate(non_locals):
        cases.append(make_block_case(name, "nonLocal", {"channels": CHANNELS, **options, "numSegments": SEGMENTS},
                                     seed=30 + i))

    # Whole tiny models on one shared clip: ResNet-50 block counts at width 2 (placement A_odd needs
    # layer2 and layer3 to have 4 and 6 blocks), dropout 0 so that train mode is deterministic.
    g = torch.Generator().manual_seed(100)
    clip = as_half_values(torch.randn(2, SEGMENTS, 3, 64, 64, generator=g))
    labels = torch.randint(0, 5, (2,), generator=g)
    write_tensors("clip.safetensors", {"input": clip.half(), "labels": labels})
    base = {"depth": 50, "width": 2, "numClasses": 5, "numSegments": SEGMENTS, "dropout": 0}
    common_grads = ["backbone.conv1.weight", "backbone.layer1.0.conv1.weight", "backbone.layer4.2.conv3.weight",
                    "fc.weight", "fc.bias"]
    cases.append(make_model_case("model-ssan", {"arch": "ssan", **base}, clip, labels, seed=200, grad_names=[
        "backbone.layer2.1.attention.query.weight", "backbone.layer2.3.attention.temporal.weight",
        "backbone.layer3.5.attention.bn.weight", "backbone.layer3.1.attention.out.bias", *common_grads]))
    cases.append(make_model_case("model-tsm", {"arch": "tsm", **base}, clip, labels, seed=201, grad_names=[
        "backbone.layer2.1.conv1.weight", "backbone.layer3.0.downsample.0.weight", *common_grads]))
    cases.append(make_model_case("model-nl3d", {"arch": "nl3d", **base}, clip, labels, seed=202, grad_names=[
        "backbone.layer2.1.attention.theta.weight", "backbone.layer3.3.attention.g.bias",
        "backbone.layer3.5.attention.bn.weight", *common_grads]))
    # BasicBlock (ResNet-18) has the same two slots: attention after conv1-bn1-relu (here also after a
    # strided conv1, layer3.0), the shift before conv1. A placement given as an object.
    basic = {**base, "depth": 18}
    basic_grads = ["backbone.conv1.weight", "backbone.layer1.1.conv2.weight", "backbone.layer4.1.conv2.weight",
                   "fc.weight", "fc.bias"]
    cases.append(make_model_case(
        "model-ssan-basic", {"arch": "ssan", **basic, "placement": {"layer2": [1], "layer3": [0, 1]}},
        clip, labels, seed=210, grad_names=["backbone.layer2.1.attention.key.weight",
                                            "backbone.layer3.0.attention.temporal.bias",
                                            "backbone.layer3.1.attention.bn.bias", *basic_grads]))
    # Seed 211 fails the float32 check (PyTorch's own float32 gradient of conv1 is 9x the tolerance off).
    cases.append(make_model_case("model-tsm-basic", {"arch": "tsm", **basic}, clip, labels, seed=212,
                                 grad_names=["backbone.layer2.0.conv1.weight", *basic_grads]))

    with open(os.path.join(OUT_DIR, "cases.json"), "w") as f:
        # One line per case: the model cases' key lists are long.
        f.write('{"cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in os.listdir(OUT_DIR))
    print(f"wrote cases.json; {len(cases)} cases, {total} bytes in all")


if __name__ == "__main__":
    main()
