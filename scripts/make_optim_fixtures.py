#!/usr/bin/python3
"""Write the PyTorch reference traces that tests/optim compares tlt's optimizers and schedulers against.

Run from the repository root with Debian's Python, which has torch 1.13:

    /usr/bin/python3 scripts/make_optim_fixtures.py

The script is deterministic (fixed seeds, no threads involved in the results) and rewrites:

- tests/data/optim/optimizer_trajectories.json: parameter values after each of 12 steps of
  torch.optim.SGD (plain, momentum, dampening, weight decay, maximize, Nesterov), Adam and AdamW
  (default, weight decay, amsgrad, maximize), in float64 and float32, with one or two parameter groups.
- tests/data/optim/<case>_state_after_6_steps.pt: PyTorch's optimizer state after step 6 of two cases,
  flattened to tlt's state_dict keys, so the C++ test can load it and continue the trajectory.
- tests/data/optim/plateau_lr_sequences.json: learning rates of two parameter groups after each call of
  torch.optim.lr_scheduler.ReduceLROnPlateau.step for fixed metric sequences.
- tests/data/optim/warmup_lr.json: the warmup schedule of Vaswani et al. (2017), equation (3), as
  computed by the reference implementation's ScheduledOptim.

Gradients are gradient = 0.5 * parameter + noise[step], so they depend on the trajectory but use only
elementwise operations that the C++ test repeats bit for bit. The noise is stored in the fixture.
"""

import json
import math
import os
import random

import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "optim")
STEPS = 12
GRADIENT_COEFFICIENT = 0.5
SHAPES = {"matrix": [3, 4], "vector": [4]}


def make_inputs():
    generator = torch.Generator().manual_seed(20240601)
    initial = {name: torch.randn(shape, generator=generator, dtype=torch.float64) for name, shape in SHAPES.items()}
    noise = {name: torch.randn([STEPS] + shape, generator=generator, dtype=torch.float64)
             for name, shape in SHAPES.items()}
    return initial, noise


# Each case: the optimizer, its options, the parameter groups (names and lr), optional lr changes applied
# before a step (1-based step -> lr per group) and optional steps at which a parameter has no gradient.
CASES = [
    {"name": "sgd_plain", "optimizer": "sgd", "options": {}, "groups": [[["matrix", "vector"], 0.1]]},
    {"name": "sgd_momentum_two_groups", "optimizer": "sgd", "options": {"momentum": 0.9},
     "groups": [[["matrix"], 0.1], [["vector"], 0.05]]},
    {"name": "sgd_momentum_dampening", "optimizer": "sgd", "options": {"momentum": 0.9, "dampening": 0.3},
     "groups": [[["matrix", "vector"], 0.1]]},
    {"name": "sgd_weight_decay", "optimizer": "sgd", "options": {"momentum": 0.5, "weight_decay": 0.01},
     "groups": [[["matrix", "vector"], 0.1]], "missing_gradients": {"vector": [3, 4]}},
    {"name": "sgd_maximize", "optimizer": "sgd", "options": {"momentum": 0.9, "maximize": True},
     "groups": [[["matrix", "vector"], 0.02]]},
    {"name": "nag_weight_decay", "optimizer": "nag", "options": {"momentum": 0.9, "weight_decay": 0.01},
     "groups": [[["matrix"], 0.1], [["vector"], 0.03]], "lr_changes": {"7": [0.05, 0.01]}},
    {"name": "adam_default", "optimizer": "adam", "options": {}, "groups": [[["matrix", "vector"], 0.01]]},
    {"name": "adam_weight_decay", "optimizer": "adam", "options": {"weight_decay": 0.1},
     "groups": [[["matrix"], 0.01], [["vector"], 0.05]], "missing_gradients": {"vector": [4, 5]},
     "lr_changes": {"9": [0.002, 0.01]}},
    {"name": "adam_amsgrad", "optimizer": "adam", "options": {"amsgrad": True, "betas": [0.8, 0.99], "eps": 1e-6},
     "groups": [[["matrix", "vector"], 0.05]]},
    {"name": "adam_maximize", "optimizer": "adam", "options": {"maximize": True, "weight_decay": 0.01},
     "groups": [[["matrix", "vector"], 0.01]]},
    {"name": "adamw_weight_decay", "optimizer": "adamw", "options": {"weight_decay": 0.01},
     "groups": [[["matrix", "vector"], 0.01]]},
    {"name": "adamw_amsgrad_two_groups", "optimizer": "adamw", "options": {"weight_decay": 0.05, "amsgrad": True},
     "groups": [[["matrix"], 0.02], [["vector"], 0.005]], "missing_gradients": {"matrix": [6]}},
    {"name": "sgd_nag_float32", "optimizer": "nag", "dtype": "float32",
     "options": {"momentum": 0.9, "weight_decay": 0.001}, "groups": [[["matrix", "vector"], 0.1]]},
    {"name": "adam_float32", "optimizer": "adam", "dtype": "float32", "options": {"weight_decay": 0.01},
     "groups": [[["matrix"], 0.01], [["vector"], 0.02]]},
    {"name": "adamw_amsgrad_float32", "optimizer": "adamw", "dtype": "float32",
     "options": {"weight_decay": 0.01, "amsgrad": True}, "groups": [[["matrix", "vector"], 0.01]]},
]

# The PyTorch state of these cases after this many steps is stored for the resume test.
STATE_CASES = ["adamw_amsgrad_two_groups", "nag_weight_decay"]
STATE_STEP = 6


def make_optimizer(case, params):
    groups = [{"params": [params[name] for name in names], "lr": lr} for names, lr in case["groups"]]
    options = dict(case["options"])
    kind = case["optimizer"]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.0, foreach=False, **options)
    if kind == "nag":
        return torch.optim.SGD(groups, lr=0.0, nesterov=True, foreach=False, **options)
    if kind == "adam":
        return torch.optim.Adam(groups, foreach=False, **options)
    return torch.optim.AdamW(groups, foreach=False, **options)


def flatten_state(optimizer):
    """Return PyTorch's optimizer state under tlt's keys: state.<parameter index>.<name>, param_groups.<g>.lr."""
    saved = optimizer.state_dict()
    flat = {}
    for index, entries in saved["state"].items():
        for name, value in entries.items():
            flat["state.{}.{}".format(index, name)] = value.clone()
    for group_index, group in enumerate(saved["param_groups"]):
        flat["param_groups.{}.lr".format(group_index)] = torch.tensor(group["lr"], dtype=torch.float64)
    return flat


def run_case(case, initial, noise):
    dtype = torch.float32 if case.get("dtype") == "float32" else torch.float64
    params = {name: initial[name].to(dtype).clone().requires_grad_(True) for name in SHAPES}
    optimizer = make_optimizer(case, params)
    missing = case.get("missing_gradients", {})
    trajectory = {name: [] for name in SHAPES}
    for step in range(1, STEPS + 1):
        if str(step) in case.get("lr_changes", {}):
            for group, lr in zip(optimizer.param_groups, case["lr_changes"][str(step)]):
                group["lr"] = lr
        for name, param in params.items():
            if step in missing.get(name, []):
                param.grad = None
            else:
                param.grad = param.detach().mul(GRADIENT_COEFFICIENT).add(noise[name][step - 1].to(dtype))
        optimizer.step()
        for name, param in params.items():
            trajectory[name].append(param.detach().flatten().tolist())
        if case["name"] in STATE_CASES and step == STATE_STEP:
            path = os.path.join(OUT_DIR, "{}_state_after_{}_steps.pt".format(case["name"], STATE_STEP))
            torch.save(flatten_state(optimizer), path)
    record = {key: case[key] for key in ("name", "optimizer", "options", "groups")}
    record["dtype"] = "float32" if dtype == torch.float32 else "float64"
    record["lr_changes"] = case.get("lr_changes", {})
    record["missing_gradients"] = missing
    record["trajectory"] = trajectory
    return record


def write_trajectories():
    initial, noise = make_inputs()
    cases = [run_case(case, initial, noise) for case in CASES]
    fixture = {
        "torch_version": torch.__version__,
        "steps": STEPS,
        "gradient_coefficient": GRADIENT_COEFFICIENT,
        "shapes": SHAPES,
        "initial": {name: tensor.flatten().tolist() for name, tensor in initial.items()},
        "noise": {name: tensor.reshape(STEPS, -1).tolist() for name, tensor in noise.items()},
        "cases": cases,
    }
    write_json("optimizer_trajectories.json", fixture)


def metric_sequence(seed, count, flat_from, flat_to):
    """Return a noisy decaying loss that stays flat for steps [flat_from, flat_to), rounded to 4 decimals
    so that the JSON contains the exact values the scheduler saw."""
    rng = random.Random(seed)
    values = []
    for t in range(count):
        if t < flat_from:
            progress = t
        elif t < flat_to:
            progress = flat_from
        else:
            progress = t - (flat_to - flat_from)
        base = 0.5 + 1.5 * math.exp(-0.25 * progress)
        values.append(round(base + rng.uniform(-0.01, 0.01), 4))
    return values


PLATEAU_CASES = [
    {"name": "min_rel_default", "options": {}, "initial_lrs": [0.1, 0.01], "metrics": ("loss", 1, 40, 8, 24)},
    {"name": "min_rel_patience_2", "options": {"factor": 0.5, "patience": 2, "threshold": 0.01},
     "initial_lrs": [0.1, 0.01], "metrics": ("loss", 2, 36, 10, 18)},
    {"name": "min_abs_patience_0", "options": {"factor": 0.3, "patience": 0, "threshold": 0.05,
                                               "threshold_mode": "abs"},
     "initial_lrs": [0.1, 0.01], "metrics": ("loss", 3, 32, 12, 20)},
    {"name": "max_rel_cooldown", "options": {"mode": "max", "factor": 0.5, "patience": 1, "cooldown": 3},
     "initial_lrs": [0.1, 0.01], "metrics": ("accuracy", 4, 36, 10, 20)},
    {"name": "max_abs_min_lr_per_group", "options": {"mode": "max", "factor": 0.2, "patience": 1,
                                                     "threshold": 0.002, "threshold_mode": "abs",
                                                     "min_lr": [0.001, 0.0005]},
     "initial_lrs": [0.1, 0.01], "metrics": ("accuracy", 5, 36, 8, 16)},
    {"name": "min_lr_one_value", "options": {"factor": 0.1, "patience": 0, "min_lr": 0.0004},
     "initial_lrs": [0.1, 0.01], "metrics": ("loss", 6, 32, 10, 16)},
    {"name": "eps_skips_small_reduction", "options": {"factor": 0.5, "patience": 0, "eps": 1e-8},
     "initial_lrs": [1e-7, 0.1], "metrics": ("loss", 7, 32, 6, 20)},
    {"name": "large_eps_and_cooldown", "options": {"factor": 0.5, "patience": 1, "cooldown": 2, "eps": 0.004},
     "initial_lrs": [0.1, 0.02], "metrics": ("loss", 8, 34, 10, 22)},
]


def run_plateau_case(case):
    kind, seed, count, flat_from, flat_to = case["metrics"]
    losses = metric_sequence(seed, count, flat_from, flat_to)
    metrics = losses if kind == "loss" else [round(1.0 - value / 2.5, 4) for value in losses]
    parameters = [torch.zeros(1, requires_grad=True) for _ in case["initial_lrs"]]
    optimizer = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(parameters, case["initial_lrs"])],
                                lr=0.0)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **case["options"])
    lrs, reduced = [], []
    for metric in metrics:
        before = [group["lr"] for group in optimizer.param_groups]
        scheduler.step(metric)
        after = [group["lr"] for group in optimizer.param_groups]
        lrs.append(after)
        reduced.append(after != before)
    return {"name": case["name"], "options": case["options"], "initial_lrs": case["initial_lrs"],
            "metrics": metrics, "lrs": lrs, "reduced": reduced}


def write_plateau():
    write_json("plateau_lr_sequences.json",
               {"torch_version": torch.__version__, "cases": [run_plateau_case(case) for case in PLATEAU_CASES]})


def reference_warmup_lr(step, lr_mul, d_model, warmup_steps):
    # The expression of ScheduledOptim._get_lr_scale and _update_learning_rate in
    # jadore801120/attention-is-all-you-need-pytorch, with the step already incremented.
    return lr_mul * ((d_model ** -0.5) * min(step ** (-0.5), step * warmup_steps ** (-1.5)))


def write_warmup():
    values = []
    for lr_mul, d_model, warmup_steps in [(2.0, 512, 4000), (1.0, 256, 128000), (0.5, 64, 10)]:
        for step in [1, 2, 3, 10, 11, 100, 3999, 4000, 4001, 127999, 128000, 128001, 1000000]:
            values.append({"step": step, "lr_mul": lr_mul, "d_model": d_model, "warmup_steps": warmup_steps,
                           "lr": reference_warmup_lr(step, lr_mul, d_model, warmup_steps)})
    write_json("warmup_lr.json", {"values": values})


def write_json(name, content):
    with open(os.path.join(OUT_DIR, name), "w") as out:
        json.dump(content, out, separators=(",", ":"))
        out.write("\n")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    write_trajectories()
    write_plateau()
    write_warmup()


if __name__ == "__main__":
    main()
