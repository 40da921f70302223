#!/usr/bin/python3
"""Write the PyTorch reference masks that tests/prune compares tlt's magnitude pruning against.

Run from the repository root with Debian's Python, which has torch 1.13:

    /usr/bin/python3 scripts/make_prune_fixtures.py

It rewrites tests/data/prune/magnitude_masks.pt, a dict of tensors keyed "<entry>/<tensor>":

- "weight/<t>": three weights, t in a [7, 5], b [4, 6] and c [3, 2, 4], drawn from N(0, 1) with seed 11, so
  no two magnitudes tie.
- "existing/<t>": a mask that already prunes 6 of b's 24 entries (the flat indices in EXISTING) and
  nothing of a and c.
- "global_<rate>/<t>": torch.nn.utils.prune.global_unstructured with L1Unstructured over a, b and c,
  applied on top of the existing mask, for rate 0.1, 0.3 and 0.8.
- "tensor_<rate>/<t>": torch.nn.utils.prune.l1_unstructured on each tensor on top of the existing mask.

PyTorch prunes round(rate * remaining) entries (Python's round, halves to even) among the entries that
the existing mask keeps, which is the rule tlt implements.
"""

import os

import torch
import torch.nn.utils.prune as prune

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "prune", "magnitude_masks.pt")
SHAPES = {"a": [7, 5], "b": [4, 6], "c": [3, 2, 4]}
SEED = 11
RATES = [0.1, 0.3, 0.8]
# Flat indices of b that the existing mask prunes: 6 of 24 entries.
EXISTING = [1, 4, 9, 13, 17, 22]


class Holder(torch.nn.Module):
    def __init__(self, weights):
        super().__init__()
        for name, value in weights.items():
            self.register_parameter(name, torch.nn.Parameter(value.clone()))


def make_weights():
    generator = torch.Generator().manual_seed(SEED)
    return {name: torch.randn(shape, generator=generator) for name, shape in SHAPES.items()}


def existing_masks():
    masks = {name: torch.ones(shape) for name, shape in SHAPES.items()}
    masks["b"].view(-1)[EXISTING] = 0.0
    return masks


def holder_with_existing_masks(weights):
    holder = Holder(weights)
    for name, mask in existing_masks().items():
        prune.custom_from_mask(holder, name, mask)
    return holder


def main():
    weights = make_weights()
    out = {}
    for name, value in weights.items():
        out["weight/" + name] = value
    for name, mask in existing_masks().items():
        out["existing/" + name] = mask

    for rate in RATES:
        holder = holder_with_existing_masks(weights)
        prune.global_unstructured([(holder, name) for name in SHAPES], pruning_method=prune.L1Unstructured,
                                  amount=rate)
        for name in SHAPES:
            out["global_%g/%s" % (rate, name)] = getattr(holder, name + "_mask").clone()

        holder = holder_with_existing_masks(weights)
        for name in SHAPES:
            prune.l1_unstructured(holder, name, amount=rate)
            out["tensor_%g/%s" % (rate, name)] = getattr(holder, name + "_mask").clone()

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    torch.save({key: value.contiguous().clone() for key, value in out.items()}, OUT)
    print("wrote", OUT, "with", len(out), "tensors")


if __name__ == "__main__":
    main()
