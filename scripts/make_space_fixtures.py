#!/usr/bin/python3
"""Write the PyTorch reference values that tests/space compares tlt's parameter-space directions against.

Run from the repository root with Debian's Python, which has torch 1.13:

    /usr/bin/python3 scripts/make_space_fixtures.py

It rewrites tests/data/space/directions.pt, a dict of tensors keyed "<case>/<parameter>":

- "weights/<p>": the toy model's weights, which the C++ test loads into its module before comparing.
- "mask/<p>": a pruning mask. The tied tensor's mask is stored under its second name, "projection".
- "<case>/<p>" for the random directions of seed 7 (filter, layer, weight and none with 1-D parameters
  zeroed; filter_keep_1d; filter_masked), "target/<p>" (end - start, masked), "combined/<p>" (weights +
  0.3 * filter - 0.7 * layer) and the PCA case ("pca_x/<p>", "pca_y/<p>", "pca_ratio", "pca_projections",
  "pca_checkpoint_<i>/<p>", "pca_final/<p>").

The toy model matches ToyModel in tests/space/space_test_support.h: parameters embedding [6, 4],
hidden [3, 4], hidden_bias [3], projection (tied to embedding), norm [4], conv [2, 3, 2], and a buffer
table [5, 4]. The unique parameters, in registration order, are embedding, hidden, hidden_bias, norm, conv.

The normalisation is written row by row, as Li et al. (2018, section 4) describe it, so that it checks
tlt's vectorised version independently.
"""

import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "space", "directions.pt")
UNIQUE = [("embedding", [6, 4]), ("hidden", [3, 4]), ("hidden_bias", [3]), ("norm", [4]), ("conv", [2, 3, 2])]
SEED = 7
EPSILON = 1e-10


def normalize(d, w, kind):
    if kind == "filter":
        for d_row, w_row in zip(d, w):
            d_row.mul_(w_row.norm() / (d_row.norm() + EPSILON))
    elif kind == "layer":
        d.mul_(w.norm() / (d.norm() + EPSILON))
    elif kind == "weight":
        d.mul_(w)


def random_direction(weights, kind, ignore_1d, masks):
    generator = torch.Generator().manual_seed(SEED)
    direction = {}
    for name, shape in UNIQUE:
        d = torch.randn(shape, generator=generator)
        w = weights[name].clone()
        if name in masks:
            w = w * masks[name]
            d = d * masks[name]
        if len(shape) <= 1:
            d = torch.zeros_like(w) if ignore_1d else w.clone()
        else:
            normalize(d, w, kind)
        direction[name] = d
    return direction


def pca(checkpoints, final):
    # Rows are flattened checkpoint - final over the parameters with 2 or more dimensions (ignore_1d).
    included = [name for name, shape in UNIQUE if len(shape) > 1]
    rows = [torch.cat([(c[name] - final[name]).reshape(-1) for name in included]) for c in checkpoints]
    matrix = torch.stack(rows).double()
    centred = matrix - matrix.mean(0)
    u, s, vh = torch.linalg.svd(centred, full_matrices=False)
    variance = s ** 2
    components = []
    for k in range(2):
        sign = 1.0 if u[u[:, k].abs().argmax(), k] >= 0 else -1.0
        components.append(sign * vh[k])
    projections = torch.stack([matrix @ components[0], matrix @ components[1]], dim=1)
    directions = []
    for component in components:
        direction, offset = {}, 0
        for name, shape in UNIQUE:
            if len(shape) <= 1:
                direction[name] = torch.zeros(shape)
                continue
            count = torch.Size(shape).numel()
            direction[name] = component[offset:offset + count].reshape(shape).float()
            offset += count
        directions.append(direction)
    ratio = variance[:2] / variance.sum()
    return directions, ratio, projections


def main():
    generator = torch.Generator().manual_seed(2024)
    weights = {name: torch.randn(shape, generator=generator) for name, shape in UNIQUE}
    masks = {"hidden": (torch.rand([3, 4], generator=generator) > 0.4).float(),
             "embedding": (torch.rand([6, 4], generator=generator) > 0.3).float()}
    masks["hidden"][1] = 0.0  # a fully pruned row: its direction row must stay zero, not NaN
    out = {}
    for name, tensor in weights.items():
        out["weights/" + name] = tensor
    out["mask/hidden"] = masks["hidden"]
    out["mask/projection"] = masks["embedding"]

    cases = {"filter": ("filter", True, {}), "layer": ("layer", True, {}), "weight": ("weight", True, {}),
             "none": ("none", True, {}), "filter_keep_1d": ("filter", False, {}),
             "filter_masked": ("filter", True, masks)}
    directions = {}
    for case, (kind, ignore_1d, case_masks) in cases.items():
        directions[case] = random_direction(weights, kind, ignore_1d, case_masks)
        for name, tensor in directions[case].items():
            out[case + "/" + name] = tensor

    end = {name: torch.randn(shape, generator=generator) for name, shape in UNIQUE}
    for name, _ in UNIQUE:
        target = end[name] - weights[name]
        if name in masks:
            target = target * masks[name]
        out["target_end/" + name] = end[name]
        out["target/" + name] = target
        out["combined/" + name] = weights[name] + 0.3 * directions["filter"][name] - 0.7 * directions["layer"][name]

    final = {name: torch.randn(shape, generator=generator) for name, shape in UNIQUE}
    checkpoints = [{name: final[name] + 0.5 * (5 - i) * torch.randn(shape, generator=generator)
                    for name, shape in UNIQUE} for i in range(5)]
    (pca_x, pca_y), ratio, projections = pca(checkpoints, final)
    for name, _ in UNIQUE:
        out["pca_final/" + name] = final[name]
        out["pca_x/" + name] = pca_x[name]
        out["pca_y/" + name] = pca_y[name]
        for i, checkpoint in enumerate(checkpoints):
            out["pca_checkpoint_%d/%s" % (i, name)] = checkpoint[name]
    out["pca_ratio"] = ratio
    out["pca_projections"] = projections

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    torch.save({key: value.contiguous().clone() for key, value in out.items()}, OUT)
    print("wrote", os.path.normpath(OUT), len(out), "tensors")


if __name__ == "__main__":
    main()
