"""Convert PyTorch / torchvision weights into a .safetensors file that ssan-ts loads.

For users who have PyTorch. The file this writes is what

    model.loadStateDict(nn.load('resnet50.safetensors'), { strict: true })

expects: the state dict of a torchvision ResNet under torchvision's own names (conv1.weight,
layer3.5.bn2.running_var, fc.bias, ...). Three ways to call it, from the repository root:

    # a torchvision architecture and its ImageNet weights file (no download happens here)
    python3 scripts/convert-torchvision.py --arch resnet50 --weights resnet50-0676ba61.pth \\
        --out resnet50.safetensors

    # any state dict saved with torch.save (a checkpoint's "state_dict" / "model" entry is found)
    python3 scripts/convert-torchvision.py --state-dict model.pth --out model.safetensors

    # a tiny, randomly initialised model of torchvision's ResNet architecture (the test fixture)
    python3 scripts/convert-torchvision.py --tiny-width 2 --depth 18 --num-classes 5 --seed 0 \\
        --out test/fixtures/safetensors/tiny-resnet18.safetensors \\
        --expected test/fixtures/safetensors/tiny-resnet18.json

The safetensors format is written by hand (the `safetensors` package is not needed), exactly as the
reference writer lays it out: an 8-byte little-endian header length, the JSON header with
`__metadata__` first and the tensors widest dtype first and then by name, padded with spaces to a
multiple of 8 bytes, then the data. PyTorch's int64 buffers (BatchNorm's num_batches_tracked) stay I64;
ssan-ts reads them into int32.
"""

import argparse
import json
import os
import struct
import sys

import torch

# torch dtype -> safetensors dtype name
DTYPE_NAMES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
}
# The reference implementation sorts by its dtype enum, which is in order of alignment; these are the
# positions of the names above within it (larger first in the file).
DTYPE_RANK = {"F16": 0, "BF16": 1, "I32": 2, "F32": 3, "F64": 4, "I64": 5}


def tensor_bytes(t):
    """Little-endian, row-major bytes of a tensor."""
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: its bits are those of an int16.
        t = t.view(torch.int16)
    array = t.numpy()
    return array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


def encode_safetensors(tensors, metadata=None):
    """The bytes of a safetensors file holding `tensors` (name -> tensor) and optional string metadata."""
    for name, t in tensors.items():
        if t.dtype not in DTYPE_NAMES:
            raise ValueError(f"tensor {name!r}: dtype {t.dtype} has no safetensors name here")
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError("metadata must map strings to strings")
    # Names compare by their UTF-8 bytes, as the reference (Rust) compares strings.
    order = sorted(tensors, key=lambda name: (-DTYPE_RANK[DTYPE_NAMES[tensors[name].dtype]], name.encode("utf-8")))

    header = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    chunks = []
    offset = 0
    for name in order:
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_safetensors(path, tensors, metadata=None):
    data = encode_safetensors(tensors, metadata)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


# ---------------------------------------------------------------- the three sources


def load_state_dict_file(path):
    """A state dict from a torch.save file: a plain one, or inside a training checkpoint."""
    obj = torch.load(path, map_location="cpu")
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise SystemExit(f"{path}: not a state dict (a dict of tensors), nor a checkpoint holding one")
    return obj


def torchvision_state_dict(arch, weights_path):
    """Builds torchvision's `arch`, loads the weights file strictly (so it fits), returns its state dict."""
    import torchvision

    builder = getattr(torchvision.models, arch, None)
    if builder is None:
        raise SystemExit(f"--arch {arch}: torchvision.models has no such architecture")
    model = builder(weights=None)
    try:
        model.load_state_dict(load_state_dict_file(weights_path), strict=True)
    except RuntimeError as e:
        raise SystemExit(f"{weights_path} does not fit torchvision's {arch}:\n{e}")
    return model.state_dict()


def randomise_batch_norms(model, generator):
    """Gives every BatchNorm non-trivial affine parameters and running statistics, so that a loader that
    skipped them (or mixed them up) shows in the values and in the logits."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(n, generator=generator))
                m.bias.copy_(0.1 * torch.randn(n, generator=generator))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(n, generator=generator))
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))


def fixture_input(shape):
    """A deterministic input both sides compute identically: small rationals in [-1, 1), rounded to float32."""
    n = 1
    for d in shape:
        n *= d
    values = [((i * 37) % 101) / 50.0 - 1.0 for i in range(n)]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def tiny_model(depth, width, num_classes, seed):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from tiny_torchvision import build_resnet

    torch.manual_seed(seed)
    model = build_resnet(depth, width, num_classes)
    randomise_batch_norms(model, torch.Generator().manual_seed(seed + 1))
    return model.eval()


def expected_values(model, state_dict, input_shape, config):
    """The fixture JSON: the model's config, a few tensors in full, every shape, and eval-mode logits for
    fixture_input."""
    names = list(state_dict)
    picks = [n for n in names if n.endswith("num_batches_tracked")][:1]
    picks += [n for n in ("conv1.weight", "bn1.running_var", "layer1.0.bn1.weight", "layer4.1.bn2.running_mean", "fc.bias") if n in state_dict]
    picks.append(names[len(names) // 2])
    x = fixture_input(input_shape)
    with torch.no_grad():
        logits = model(x)
    return {
        "config": config,
        "shapes": {n: list(t.shape) for n, t in state_dict.items()},
        "values": {n: {"shape": list(state_dict[n].shape), "values": state_dict[n].reshape(-1).tolist()} for n in dict.fromkeys(picks)},
        "input": {"shape": list(input_shape), "formula": "((i * 37) % 101) / 50 - 1, i = flat index, as float32"},
        "logits": {"shape": list(logits.shape), "values": logits.reshape(-1).tolist()},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--arch", help="torchvision architecture, e.g. resnet18, resnet50 (with --weights)")
    source.add_argument("--state-dict", help="any .pth file holding a state dict")
    source.add_argument("--tiny-width", type=int, help="base width of a tiny random ResNet (with --depth)")
    p.add_argument("--weights", help="the .pth weights file for --arch")
    p.add_argument("--depth", type=int, help="ResNet depth for --tiny-width: 18, 34, 50, ...")
    p.add_argument("--num-classes", type=int, default=5, help="classes of the tiny model (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the tiny model (default 0)")
    p.add_argument("--input-size", type=int, default=32, help="image size of the tiny model's logit fixture")
    p.add_argument("--strip-prefix", default="", help="remove this prefix from every key (e.g. 'module.')")
    p.add_argument("--expected", help="with --tiny-width: also write a JSON of values, shapes and logits here")
    p.add_argument("--out", required=True, help="the .safetensors file to write")
    args = p.parse_args()

    model = None
    if args.arch:
        if not args.weights:
            p.error("--arch needs --weights (the .pth file; this script downloads nothing)")
        state_dict = torchvision_state_dict(args.arch, args.weights)
        origin = f"torchvision {args.arch} from {os.path.basename(args.weights)}"
    elif args.state_dict:
        state_dict = load_state_dict_file(args.state_dict)
        origin = os.path.basename(args.state_dict)
    else:
        if not args.depth:
            p.error("--tiny-width needs --depth")
        model = tiny_model(args.depth, args.tiny_width, args.num_classes, args.seed)
        state_dict = model.state_dict()
        origin = f"tiny torchvision resnet{args.depth}, width {args.tiny_width}, seed {args.seed}"

    if args.strip_prefix:
        state_dict = {k[len(args.strip_prefix):] if k.startswith(args.strip_prefix) else k: v for k, v in state_dict.items()}
    size = write_safetensors(args.out, dict(state_dict), {"format": "pt", "source": origin})
    print(f"wrote {args.out}: {len(state_dict)} tensors, {size} bytes")

    if args.expected:
        if model is None:
            p.error("--expected goes with --tiny-width")
        shape = (1, 3, args.input_size, args.input_size)
        with open(args.expected, "w") as f:
            config = {"depth": args.depth, "width": args.tiny_width, "numClasses": args.num_classes}
            json.dump(expected_values(model, state_dict, shape, config), f)
            f.write("\n")
        print(f"wrote {args.expected}")


if __name__ == "__main__":
    main()
