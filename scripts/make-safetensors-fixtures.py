"""Generate the safetensors fixtures (test/fixtures/safetensors/) read by test/nn/safetensors.test.ts.

Run from the repository root, with the interpreter that has PyTorch (1.13):

    /usr/bin/python3 scripts/make-safetensors-fixtures.py

CI never runs this script; the files it writes are committed. Everything is seeded, so a re-run
writes the same bytes.

- reference.safetensors / reference.json: a small file written by the Python writer of
  scripts/convert-torchvision.py (which follows the reference implementation's layout: header JSON with
  __metadata__ first, tensors widest dtype first then by UTF-8 name, offsets, padding to 8 bytes). The
  JSON lists the same tensors in a deliberately different order, with their values; the test encodes them
  and expects these bytes exactly, and decodes the file and expects these values.
- half.safetensors / half.json: F16 and BF16 tensors (read-only here) and the float32 bit patterns
  PyTorch converts them to.
- tiny-resnet18.safetensors / tiny-resnet18.json: made by running convert-torchvision.py --tiny-width
  (needs scripts/tiny_torchvision.py): a tiny torchvision-architecture ResNet-18, some of its values and
  its eval-mode logits.
"""

import importlib.util
import json
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "test", "fixtures", "safetensors")

_spec = importlib.util.spec_from_file_location("convert_torchvision", os.path.join(HERE, "convert-torchvision.py"))
convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert)


def reference_tensors():
    """Name -> tensor, in an order that is not the file's: the writer must do the sorting."""
    g = torch.Generator().manual_seed(7)
    weight = torch.randn(2, 3, generator=g)
    weight[0, 1] = -0.0  # the sign bit of zero must survive
    weight[1, 2] = 1e-45  # a float32 subnormal
    return {
        "layer.weight": weight,
        "steps": torch.tensor([-2147483648, 3, 2147483647], dtype=torch.int64),
        "counts": torch.tensor([-7, 0, 42, 2147483647], dtype=torch.int32),
        "scalar": torch.tensor(3.141592653589793, dtype=torch.float64),
        "empty": torch.zeros(0, 3),
        "t\u00eate.poids": torch.randn(2, 2, generator=g, dtype=torch.float64),
        "Zeta": torch.randn(1, generator=g),
        "0": torch.randn(2, generator=g),
        'odd "name"\twith escapes': torch.randn(1, 1, 1, generator=g),
        "layer.bias": torch.randn(3, generator=g),
        # UTF-8 byte order (the reference's) and UTF-16 order (JavaScript's <) disagree on these two.
        "\uff01 fullwidth": torch.randn(1, generator=g),
        "\U0001f600 emoji": torch.randn(1, generator=g),
    }


REFERENCE_METADATA = {"format": "pt", "note": "\u00fcn\u00efcode, \"quoted\"\nand a newline"}


def entry(name, t):
    return {"name": name, "dtype": convert.DTYPE_NAMES[t.dtype], "shape": list(t.shape), "values": t.reshape(-1).tolist()}


def write_reference():
    tensors = reference_tensors()
    convert.write_safetensors(os.path.join(OUT_DIR, "reference.safetensors"), tensors, REFERENCE_METADATA)
    with open(os.path.join(OUT_DIR, "reference.json"), "w") as f:
        json.dump({"metadata": REFERENCE_METADATA, "tensors": [entry(n, t) for n, t in tensors.items()]}, f, indent=1)
        f.write("\n")


def float32_bits(t):
    return [v & 0xFFFFFFFF for v in t.float().view(torch.int32).reshape(-1).tolist()]


def write_half():
    specials = [0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, 2.0 ** -14, float("inf"), float("-inf"), float("nan"), 1.0 / 3.0]
    g = torch.Generator().manual_seed(11)
    tensors = {
        "half": torch.tensor(specials, dtype=torch.float16),
        "bf16": torch.tensor(specials[:-1] + [3e38], dtype=torch.bfloat16),
        "half.random": torch.randn(2, 3, generator=g).to(torch.float16),
        "bf16.random": torch.randn(3, 2, generator=g).to(torch.bfloat16),
    }
    convert.write_safetensors(os.path.join(OUT_DIR, "half.safetensors"), tensors)
    expected = [{"name": n, "dtype": convert.DTYPE_NAMES[t.dtype], "shape": list(t.shape), "float32Bits": float32_bits(t)}
                for n, t in tensors.items()]
    with open(os.path.join(OUT_DIR, "half.json"), "w") as f:
        json.dump({"tensors": expected}, f, indent=1)
        f.write("\n")


def write_tiny_resnet():
    if not os.path.exists(os.path.join(HERE, "tiny_torchvision.py")):
        print("skipped tiny-resnet18: scripts/tiny_torchvision.py is not there yet")
        return
    subprocess.run([
        sys.executable, os.path.join(HERE, "convert-torchvision.py"),
        "--tiny-width", "2", "--depth", "18", "--num-classes", "5", "--seed", "0",
        "--out", os.path.join(OUT_DIR, "tiny-resnet18.safetensors"),
        "--expected", os.path.join(OUT_DIR, "tiny-resnet18.json"),
    ], check=True)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    write_reference()
    write_half()
    write_tiny_resnet()
    print(f"wrote fixtures in {os.path.normpath(OUT_DIR)}")


if __name__ == "__main__":
    main()
