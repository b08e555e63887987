"""Generate the PyTorch parity fixtures for nn.GRU (test/fixtures/gru/gru.json).

Run from the repository root, with the interpreter that has PyTorch (1.13):

    /usr/bin/python3 scripts/make-gru-fixtures.py

CI never runs this script (CI has no PyTorch): the JSON file it writes is committed, and
test/nn/layers/gru.test.ts loads each case's parameters into our GRU by name (loadStateDict, strict)
and compares the forward pass and every gradient. Re-run it only when a case is added or
changed, and commit the regenerated file with the change.

Everything is deterministic (torch.manual_seed per case) and computed in float64; values
are written with full float64 precision (json.dumps's shortest round-trip repr).

The file holds {"op": "gru", "cases": [case, ...]}; each case is

    {
      "name": str,
      "config": {inputSize, hiddenSize, numLayers, bias, batchFirst, bidirectional},  # our option names
      "stateDict": {torch name: entry},   # the module's parameters, in torch's order
      "input": entry, "h0": entry | null, # h0 null: the call omits it (zeros)
      "output": entry, "hN": entry,
      "gradOutput": entry, "gradHN": entry,   # the loss is sum(output * gradOutput) + sum(hN * gradHN)
      "grads": {"input": entry, "h0": entry (when given), torch parameter name: entry, ...}
    }

and an entry is {"shape": [...], "values": [flat row-major values]}.
"""

import json
import os

import torch

torch.set_default_dtype(torch.float64)
DT = torch.float64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "gru")


def entry(t):
    t = t.detach()
    vals = [float(v) for v in t.reshape(-1).tolist()]
    for v in vals:
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("non-finite value in a fixture")
    return {"shape": list(t.shape), "values": vals}


def make_case(name, seed, input_size, hidden_size, seq_len, batch, num_layers=1, bias=True,
              batch_first=False, bidirectional=False, with_h0=True, param_scale=1.0):
    """batch None: an unbatched input [L, inputSize]. param_scale widens the default
    U(+-1/sqrt(H)) draw so the gates leave their linear region."""
    torch.manual_seed(seed)
    gru = torch.nn.GRU(input_size, hidden_size, num_layers=num_layers, bias=bias,
                       batch_first=batch_first, bidirectional=bidirectional)
    with torch.no_grad():
        for p in gru.parameters():
            p.mul_(param_scale)
    d = 2 if bidirectional else 1
    if batch is None:
        x_shape, h_shape = [seq_len, input_size], [d * num_layers, hidden_size]
    elif batch_first:
        x_shape, h_shape = [batch, seq_len, input_size], [d * num_layers, batch, hidden_size]
    else:
        x_shape, h_shape = [seq_len, batch, input_size], [d * num_layers, batch, hidden_size]
    x = torch.randn(*x_shape, dtype=DT).requires_grad_(True)
    h0 = torch.randn(*h_shape, dtype=DT).requires_grad_(True) if with_h0 else None
    output, h_n = gru(x, h0) if with_h0 else gru(x)
    grad_output = torch.randn(output.shape, dtype=DT)
    grad_hn = torch.randn(h_n.shape, dtype=DT)
    ((output * grad_output).sum() + (h_n * grad_hn).sum()).backward()

    grads = {"input": entry(x.grad)}
    if with_h0:
        grads["h0"] = entry(h0.grad)
    for k, p in gru.named_parameters():
        grads[k] = entry(p.grad)
    return {
        "name": name,
        "config": {
            "inputSize": input_size, "hiddenSize": hidden_size, "numLayers": num_layers, "bias": bias,
            "batchFirst": batch_first, "bidirectional": bidirectional,
        },
        "stateDict": {k: entry(v) for k, v in gru.state_dict().items()},
        "input": entry(x),
        "h0": entry(h0) if with_h0 else None,
        "output": entry(output),
        "hN": entry(h_n),
        "gradOutput": entry(grad_output),
        "gradHN": entry(grad_hn),
        "grads": grads,
    }


def cases():
    return [
        make_case("1 layer, h0", 1, input_size=4, hidden_size=3, seq_len=5, batch=2),
        make_case("1 layer, no h0, batchFirst, wide weights", 2, input_size=3, hidden_size=4, seq_len=4, batch=3,
                  batch_first=True, with_h0=False, param_scale=3.0),
        make_case("2 layers, bidirectional, h0, odd sizes", 3, input_size=3, hidden_size=5, seq_len=4, batch=2,
                  num_layers=2, bidirectional=True),
        make_case("2 layers, no bias, batchFirst, h0", 4, input_size=2, hidden_size=3, seq_len=3, batch=2,
                  num_layers=2, bias=False, batch_first=True),
        make_case("1 layer, bidirectional, unbatched, h0", 5, input_size=3, hidden_size=2, seq_len=6, batch=None,
                  bidirectional=True, param_scale=2.0),
        make_case("2 layers, bidirectional, batchFirst, no h0, one step", 6, input_size=5, hidden_size=3, seq_len=1,
                  batch=3, num_layers=2, bidirectional=True, batch_first=True, with_h0=False),
        make_case("3 layers, no bias, unbatched, no h0", 7, input_size=1, hidden_size=2, seq_len=7, batch=None,
                  num_layers=3, bias=False, with_h0=False),
    ]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    cs = cases()
    names = [c["name"] for c in cs]
    assert len(set(names)) == len(names), "duplicate case names"
    text = json.dumps({"op": "gru", "cases": cs}, separators=(",", ":")) + "\n"
    path = os.path.join(OUT_DIR, "gru.json")
    with open(path, "w") as f:
        f.write(text)
    print(f"{path}: {len(cs)} cases, {len(text)} bytes")


if __name__ == "__main__":
    main()
