"""Generate the PyTorch parity fixtures for src/optim (test/fixtures/optim/*.json).

Run from the repository root, with the interpreter that has PyTorch (1.13):

    /usr/bin/python3 scripts/make-optim-fixtures.py

CI never runs this script: the JSON it writes is committed and test/parity/optim.test.ts reads it.
Re-run it only when a case is added or changed. Everything is deterministic and in float64; values are
written with full precision (json.dumps writes the shortest round-trip repr).

optimizers.json: {"cases": [case, ...]}; each case trains the same small MLP for STEPS steps,

    logits = linear(relu(linear(x, w1, b1)), w2, b2);  loss = cross_entropy(logits, y)

    {
      "name": str,
      "optimizer": "SGD" | "Adam" | "AdamW",
      "options": {...},                  # the constructor's options, in our camelCase names
      "groups": null | [{"params": [names], ...options}],   # parameter groups, when not one group
      "params": {name: entry},           # the initial parameters, in the optimizer's order
      "x": entry, "y": entry (int64),
      "losses": [float] * STEPS,         # the loss before each step
      "final": {name: entry},            # the parameters after the last step
      "state": {name: {key: entry | float}},   # the optimizer state per parameter, our key names
      "paramGroups": [{...hyperparameters, "params": [indices]}]   # state_dict()["param_groups"], our names
    }

schedulers.json: {"cases": [case, ...]}; each case builds an SGD optimizer over two groups with
lrs `initialLrs` and a scheduler, then makes `calls` (null: step() without a metric; a number:
step(metric)), recording every group's lr after construction and after each call:

    {"name", "scheduler", "options", "initialLrs", "calls": [null | float], "lrs": [[float] * groups]}

"warmup-then-plateau" is reproduced in PyTorch as the training loop would run it: LinearLR stepped once
per iteration through the first epoch, then ReduceLROnPlateau stepped once per epoch on the metric.

An entry is {"shape": [...], "values": [flat row-major values]} (plus "dtype": "int64" for labels).
"""

import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
DT = torch.float64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "optim")
STEPS = 10
NAMES = ["w1", "b1", "w2", "b2"]


def entry(t):
    t = t.detach()
    e = {"shape": list(t.shape)}
    if t.dtype == torch.int64:
        e["dtype"] = "int64"
        e["values"] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        e["values"] = [float(v) for v in t.reshape(-1).tolist()]
    return e


# Our camelCase names for PyTorch's hyperparameters and state keys; keys not listed (foreach,
# capturable, differentiable, fused) have no counterpart here and are dropped.
HYPER_NAMES = {
    "lr": "lr", "momentum": "momentum", "dampening": "dampening", "weight_decay": "weightDecay",
    "nesterov": "nesterov", "maximize": "maximize", "betas": "betas", "eps": "eps", "amsgrad": "amsgrad",
    "initial_lr": "initialLr",
}
STATE_NAMES = {
    "momentum_buffer": "momentumBuffer", "exp_avg": "expAvg", "exp_avg_sq": "expAvgSq",
    "max_exp_avg_sq": "maxExpAvgSq", "step": "step",
}
TORCH_OPTIONS = {
    "lr": "lr", "momentum": "momentum", "dampening": "dampening", "weightDecay": "weight_decay",
    "nesterov": "nesterov", "betas": "betas", "eps": "eps", "amsgrad": "amsgrad",
}
OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}


def to_torch_options(options):
    return {TORCH_OPTIONS[k]: (tuple(v) if isinstance(v, list) else v) for k, v in options.items()}


def model_inputs():
    torch.manual_seed(1234)
    params = {
        "w1": torch.randn(6, 5, dtype=DT) * 0.5,
        "b1": torch.randn(6, dtype=DT) * 0.1,
        "w2": torch.randn(3, 6, dtype=DT) * 0.5,
        "b2": torch.randn(3, dtype=DT) * 0.1,
    }
    x = torch.randn(8, 5, dtype=DT)
    y = torch.randint(0, 3, (8,))
    return params, x, y


def optimizer_case(name, optimizer, options, groups=None):
    init, x, y = model_inputs()
    params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    cls = OPTIMIZERS[optimizer]
    if groups is None:
        opt = cls([params[k] for k in NAMES], **to_torch_options(options))
        order = NAMES
    else:
        torch_groups = []
        for g in groups:
            tg = to_torch_options({k: v for k, v in g.items() if k != "params"})
            tg["params"] = [params[k] for k in g["params"]]
            torch_groups.append(tg)
        opt = cls(torch_groups, **to_torch_options(options))
        order = [k for g in groups for k in g["params"]]
    losses = []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        hidden = F.relu(F.linear(x, params["w1"], params["b1"]))
        loss = F.cross_entropy(F.linear(hidden, params["w2"], params["b2"]), y)
        loss.backward()
        losses.append(loss.item())
        opt.step()
    sd = opt.state_dict()
    state = {}
    for index, s in sd["state"].items():
        state[order[index]] = {
            STATE_NAMES[k]: (float(v.item()) if k == "step" else entry(v)) for k, v in s.items() if v is not None
        }
    param_groups = []
    for g in sd["param_groups"]:
        out = {HYPER_NAMES[k]: (list(v) if isinstance(v, tuple) else v) for k, v in g.items() if k in HYPER_NAMES}
        out["params"] = g["params"]
        param_groups.append(out)
    return {
        "name": name,
        "optimizer": optimizer,
        "options": options,
        "groups": groups,
        "params": {k: entry(init[k]) for k in order},
        "x": entry(x),
        "y": entry(y),
        "losses": losses,
        "final": {k: entry(params[k]) for k in order},
        "state": state,
        "paramGroups": param_groups,
    }


def optimizer_cases():
    weights_biases = [
        {"params": ["w1", "w2"], "lr": 0.1, "weightDecay": 0.05},
        {"params": ["b1", "b2"], "lr": 0.02, "weightDecay": 0.0},
    ]
    return [
        optimizer_case("sgd-momentum-dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
        optimizer_case("sgd-nesterov-weight-decay", "SGD",
                       {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01}),
        optimizer_case("sgd-two-groups", "SGD", {"lr": 0.05, "momentum": 0.8}, weights_biases),
        optimizer_case("adam", "Adam", {"lr": 0.01}),
        optimizer_case("adam-amsgrad-weight-decay", "Adam",
                       {"lr": 0.02, "betas": [0.8, 0.99], "weightDecay": 0.01, "amsgrad": True}),
        optimizer_case("adamw", "AdamW", {"lr": 0.01, "weightDecay": 0.1}),
        optimizer_case("adamw-two-groups-amsgrad", "AdamW", {"lr": 0.01, "amsgrad": True},
                       [{"params": ["w1", "w2"], "weightDecay": 0.1},
                        {"params": ["b1", "b2"], "weightDecay": 0.0, "lr": 0.005}]),
    ]


# ---------------------------------------------------------------- schedulers

INITIAL_LRS = [0.1, 0.02]


def two_group_sgd():
    a = torch.zeros(2, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([{"params": [a], "lr": INITIAL_LRS[0]}, {"params": [b], "lr": INITIAL_LRS[1]}], lr=0.5)


def lrs_of(opt):
    return [g["lr"] for g in opt.param_groups]


def scheduler_case(name, scheduler, options, make, calls):
    opt = two_group_sgd()
    sched = make(opt)
    lrs = [lrs_of(opt)]
    for metric in calls:
        opt.step()  # no gradients, so nothing moves; keeps PyTorch's call-order check quiet
        if metric is None:
            sched.step()
        else:
            sched.step(metric)
        lrs.append(lrs_of(opt))
    return {"name": name, "scheduler": scheduler, "options": options, "initialLrs": INITIAL_LRS,
            "calls": calls, "lrs": lrs}


def warmup_then_plateau_case(iters_per_epoch, metrics, warmup_options, plateau_options):
    opt = two_group_sgd()
    warmup = torch.optim.lr_scheduler.LinearLR(
        opt, start_factor=warmup_options["startFactor"], end_factor=warmup_options["endFactor"],
        total_iters=warmup_options["totalIters"])
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **to_torch_plateau(plateau_options))
    calls, lrs = [], [lrs_of(opt)]
    for epoch, metric in enumerate(metrics):
        for _ in range(iters_per_epoch):
            opt.step()
            if epoch == 0:
                warmup.step()
            calls.append(None)
            lrs.append(lrs_of(opt))
        plateau.step(metric)
        calls.append(metric)
        lrs.append(lrs_of(opt))
    return {"name": "warmup-then-plateau", "scheduler": "WarmupThenPlateau",
            "options": {"warmup": warmup_options, "plateau": plateau_options},
            "initialLrs": INITIAL_LRS, "calls": calls, "lrs": lrs}


def to_torch_plateau(o):
    names = {"mode": "mode", "factor": "factor", "patience": "patience", "threshold": "threshold",
             "thresholdMode": "threshold_mode", "cooldown": "cooldown", "minLr": "min_lr", "eps": "eps"}
    return {names[k]: v for k, v in o.items()}


def scheduler_cases():
    S = torch.optim.lr_scheduler
    cases = []

    o = {"startFactor": 0.25, "endFactor": 1.0, "totalIters": 4}
    cases.append(scheduler_case("linear-warmup", "LinearLR", o,
                                lambda opt: S.LinearLR(opt, start_factor=0.25, end_factor=1.0, total_iters=4),
                                [None] * 8))
    o = {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 5}
    cases.append(scheduler_case("linear-decay", "LinearLR", o,
                                lambda opt: S.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=5),
                                [None] * 8))
    cases.append(scheduler_case("step", "StepLR", {"stepSize": 3, "gamma": 0.5},
                                lambda opt: S.StepLR(opt, step_size=3, gamma=0.5), [None] * 10))
    cases.append(scheduler_case("multi-step-repeated-milestone", "MultiStepLR",
                                {"milestones": [2, 5, 5, 9], "gamma": 0.1},
                                lambda opt: S.MultiStepLR(opt, milestones=[2, 5, 5, 9], gamma=0.1), [None] * 11))
    cases.append(scheduler_case("cosine-two-periods", "CosineAnnealingLR", {"tMax": 5, "etaMin": 0.001},
                                lambda opt: S.CosineAnnealingLR(opt, T_max=5, eta_min=0.001), [None] * 22))

    # min / rel: 1.0 improves on inf; 0.95 is within the 10% threshold (bad); 0.85 improves; three bad
    # epochs pass patience 2 (reduce), the cooldown of 2 swallows bad epochs, then the floors are reached.
    o = {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 0.1, "thresholdMode": "rel",
         "cooldown": 2, "minLr": [0.01, 0.004], "eps": 1e-8}
    metrics = [1.0, 0.95, 0.85, 0.84, 0.9, 0.86, 0.87, 0.88, 0.7, 0.69, 0.68, 0.67, 0.66, 0.65, 0.64,
               0.63, 0.62, 0.61, 0.6, 0.59, 0.58, 0.57, 0.56, 0.55, 0.54, 0.53, 0.52, 0.51, 0.5, 0.49, 0.48]
    cases.append(scheduler_case("plateau-min-rel-cooldown-min-lr", "ReduceLROnPlateau", o,
                                lambda opt: S.ReduceLROnPlateau(opt, **to_torch_plateau(o)), metrics))

    # max / abs: gains under 0.05 do not count; patience 1, no cooldown; eps 1e-3 stops the last
    # reduction of the small group, whose drop to the floor would be under eps.
    o2 = {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05, "thresholdMode": "abs",
          "cooldown": 0, "minLr": 0.001, "eps": 1e-3}
    metrics2 = [0.5, 0.52, 0.53, 0.6, 0.61, 0.62, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76]
    cases.append(scheduler_case("plateau-max-abs-eps", "ReduceLROnPlateau", o2,
                                lambda opt: S.ReduceLROnPlateau(opt, **to_torch_plateau(o2)), metrics2))

    cases.append(warmup_then_plateau_case(
        4, [2.0, 1.5, 1.49, 1.48, 1.2, 1.19, 1.18, 1.17, 1.16, 1.15],
        {"startFactor": 0.1, "endFactor": 1.0, "totalIters": 4},
        {"mode": "min", "factor": 0.5, "patience": 1, "threshold": 0.05, "thresholdMode": "rel",
         "cooldown": 1, "minLr": 0.005, "eps": 1e-8}))
    return cases


FILES = {"optimizers": optimizer_cases, "schedulers": scheduler_cases}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, make in FILES.items():
        cases = make()
        names = [c["name"] for c in cases]
        assert len(set(names)) == len(names), f"duplicate case names in {name}"
        text = json.dumps({"cases": cases}, separators=(",", ":")) + "\n"
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w") as f:
            f.write(text)
        print(f"{path}: {len(cases)} cases, {len(text)} bytes")


if __name__ == "__main__":
    main()
