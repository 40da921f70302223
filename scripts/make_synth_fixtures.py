#!/usr/bin/python3
"""Write the PyTorch reference values that tests/synth compares the synth-attn task and study against.

Run from the repository root with Debian's Python, which has torch 1.13:

    /usr/bin/python3 scripts/make_synth_fixtures.py

The script repeats, with PyTorch's own operations and torch.optim, what include/tlt/synth/ documents.
That is the teacher and dataset of synthetic_task.h, the learner of attention_classifier.h and the study
loop of optimizer_study.h. The learner is the reference's multi-head attention block, a mean over the
sequence and a linear classifier. The script is deterministic and rewrites tests/data/synth/reference.json
with:

- "task": the options of a small task, sample 0 of the inputs, the clean and the noisy labels, the
  number of noisy labels and the share of clean labels that depend on attention.
- "study": the learner and study options, and for each setting the per-epoch rows of <setting>.csv
  (epoch, train_loss, train_acc, valid_loss, valid_acc, lr, lr_reduced) for epochs 0 to EPOCHS.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "synth",
                        "reference.json")

TASK = {"seed": 7, "n_samples": 300, "train_fraction": 0.7, "seq_len": 5, "d_model": 8, "n_classes": 3,
        "teacher_n_head": 2, "teacher_d_k": 4, "teacher_sharpness": 3.0, "label_noise": 0.2}
LEARNER = {"n_head": 2, "d_k": 4, "d_v": 4}
STUDY = {"seed": 11, "epochs": 4, "batch_size": 64}
OPTIMIZERS = {"sgd": {"lr": 0.1}, "nag": {"lr": 0.05, "momentum": 0.9}, "adam": {"lr": 0.01}}
PLATEAU = {"factor": 0.5, "patience": 0, "threshold": 0.1, "threshold_mode": "abs"}
SETTINGS = ["sgd", "nag+plateau", "adam"]

# The C++ code applies the teacher to chunks of this many samples; the float64 sums match only with the
# same chunks.
TEACHER_CHUNK = 4096
EVALUATION_BATCH = 1024


def make_generator(seed, stream):
    """Generator of stream 0 (teacher), 1 (inputs) or 2 (label noise) of a task seed."""
    return torch.Generator().manual_seed(3 * seed + stream)


def make_dataset(task):
    heads, width, head_width, classes = task["teacher_n_head"], task["d_model"], task["teacher_d_k"], task["n_classes"]
    teacher = make_generator(task["seed"], 0)
    scale = math.sqrt(width)
    w_q = torch.randn(heads, width, head_width, generator=teacher, dtype=torch.float64) / scale
    w_k = torch.randn(heads, width, head_width, generator=teacher, dtype=torch.float64) / scale
    w_v = torch.randn(heads, width, head_width, generator=teacher, dtype=torch.float64) / scale
    u = torch.randn(heads * head_width, classes, generator=teacher, dtype=torch.float64)
    u = u / torch.norm(u, 2, [0], keepdim=True)

    count = task["n_samples"]
    inputs = torch.randn(count, task["seq_len"], width, generator=make_generator(task["seed"], 1))

    logit_scale = task["teacher_sharpness"] / math.sqrt(head_width)
    clean, uniform = [], []
    for start in range(0, count, TEACHER_CHUNK):
        x = inputs[start:start + TEACHER_CHUNK].to(torch.float64)
        pooled, pooled_uniform = [], []
        for head in range(heads):
            queries = torch.matmul(x, w_q[head])
            keys = torch.matmul(x, w_k[head])
            values = torch.matmul(x, w_v[head])
            attention = torch.softmax(torch.matmul(queries, keys.transpose(1, 2)) * logit_scale, -1)
            pooled.append(torch.matmul(attention, values).mean(1))
            pooled_uniform.append(values.mean(1))
        clean.append(torch.matmul(torch.cat(pooled, 1), u).argmax(1))
        uniform.append(torch.matmul(torch.cat(pooled_uniform, 1), u).argmax(1))
    clean_labels = torch.cat(clean)
    uniform_labels = torch.cat(uniform)

    noise = make_generator(task["seed"], 2)
    draws = torch.rand(count, generator=noise)
    shifts = torch.randint(1, classes, (count,), generator=noise, dtype=torch.int64)
    flip = draws < task["label_noise"]
    labels = torch.where(flip, (clean_labels + shifts).remainder(classes), clean_labels)

    n_train = round(count * task["train_fraction"])
    return {
        "inputs": inputs, "labels": labels, "clean_labels": clean_labels, "n_train": n_train,
        "noisy_labels": int(flip.sum()),
        "attention_dependent_fraction": float(clean_labels.ne(uniform_labels).sum()) / count,
    }


class Learner(torch.nn.Module):
    """The learner with tlt's initialisation order: w_qs, w_ks, w_vs, fc (Xavier uniform, no bias),
    layer_norm (ones, zeros), classifier (Xavier uniform weight, then bias uniform in +-1/sqrt(D))."""

    def __init__(self, width, classes, heads, head_width, value_width):
        super().__init__()
        self.heads, self.head_width, self.value_width = heads, head_width, value_width

        def xavier(rows, columns):
            weight = torch.empty(rows, columns)
            torch.nn.init.xavier_uniform_(weight)
            return torch.nn.Parameter(weight)

        self.w_qs = xavier(heads * head_width, width)
        self.w_ks = xavier(heads * head_width, width)
        self.w_vs = xavier(heads * value_width, width)
        self.fc = xavier(width, heads * value_width)
        self.norm_weight = torch.nn.Parameter(torch.ones(width))
        self.norm_bias = torch.nn.Parameter(torch.zeros(width))
        self.classifier_weight = xavier(classes, width)
        bound = 1.0 / math.sqrt(width)
        self.classifier_bias = torch.nn.Parameter(torch.empty(classes).uniform_(-bound, bound))

    def forward(self, x):
        batch, length, width = x.shape
        queries = F.linear(x, self.w_qs).view(batch, length, self.heads, self.head_width).transpose(1, 2)
        keys = F.linear(x, self.w_ks).view(batch, length, self.heads, self.head_width).transpose(1, 2)
        values = F.linear(x, self.w_vs).view(batch, length, self.heads, self.value_width).transpose(1, 2)
        # The reference divides the queries by sqrt(Dk) before the product.
        scores = torch.matmul(queries / math.sqrt(self.head_width), keys.transpose(2, 3))
        context = torch.matmul(torch.softmax(scores, -1), values)
        context = context.transpose(1, 2).contiguous().view(batch, length, self.heads * self.value_width)
        hidden = F.layer_norm(F.linear(context, self.fc) + x, (width,), self.norm_weight, self.norm_bias, 1e-6)
        return F.linear(hidden.mean(1), self.classifier_weight, self.classifier_bias)


def evaluate(model, inputs, labels):
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(labels), EVALUATION_BATCH):
            logits = model(inputs[start:start + EVALUATION_BATCH])
            batch_labels = labels[start:start + EVALUATION_BATCH]
            loss_sum += F.cross_entropy(logits, batch_labels, reduction="sum").item()
            correct += int(logits.argmax(1).eq(batch_labels).sum())
    return loss_sum / len(labels), correct / len(labels)


def make_optimizer(setting, parameters):
    name = setting.split("+")[0]
    options = OPTIMIZERS[name]
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=options["lr"])
    if name == "nag":
        return torch.optim.SGD(parameters, lr=options["lr"], momentum=options["momentum"], nesterov=True)
    return torch.optim.Adam(parameters, lr=options["lr"])


def run_setting(setting, dataset, task):
    n_train = dataset["n_train"]
    train_inputs, train_labels = dataset["inputs"][:n_train], dataset["labels"][:n_train]
    valid_inputs, valid_labels = dataset["inputs"][n_train:], dataset["labels"][n_train:]

    torch.manual_seed(STUDY["seed"])
    model = Learner(task["d_model"], task["n_classes"], LEARNER["n_head"], LEARNER["d_k"], LEARNER["d_v"])
    optimizer = make_optimizer(setting, list(model.parameters()))
    plateau = None
    if setting.endswith("+plateau"):
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", **PLATEAU)

    train_loss, train_acc = evaluate(model, train_inputs, train_labels)
    valid_loss, valid_acc = evaluate(model, valid_inputs, valid_labels)
    rows = [[0, train_loss, train_acc, valid_loss, valid_acc, optimizer.param_groups[0]["lr"], 0]]
    for epoch in range(1, STUDY["epochs"] + 1):
        order = torch.randperm(n_train, generator=torch.Generator().manual_seed(STUDY["seed"] * 1000003 + epoch))
        loss_sum, correct = 0.0, 0
        for start in range(0, n_train, STUDY["batch_size"]):
            indices = order[start:start + STUDY["batch_size"]]
            inputs, labels = train_inputs.index_select(0, indices), train_labels.index_select(0, indices)
            optimizer.zero_grad(set_to_none=False)
            logits = model(inputs)
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(indices)
            correct += int(logits.argmax(1).eq(labels).sum())
        valid_loss, valid_acc = evaluate(model, valid_inputs, valid_labels)
        lr = optimizer.param_groups[0]["lr"]
        reduced = 0
        if plateau is not None:
            plateau.step(valid_loss)
            reduced = int(optimizer.param_groups[0]["lr"] < lr)
        rows.append([epoch, loss_sum / n_train, correct / n_train, valid_loss, valid_acc, lr, reduced])
    return rows


def main():
    dataset = make_dataset(TASK)
    reference = {
        "task": {
            "options": TASK,
            "inputs_sample0": dataset["inputs"][0].flatten().tolist(),
            "clean_labels": dataset["clean_labels"].tolist(),
            "labels": dataset["labels"].tolist(),
            "noisy_labels": dataset["noisy_labels"],
            "attention_dependent_fraction": dataset["attention_dependent_fraction"],
        },
        "study": {
            "learner": LEARNER, "study": STUDY, "optimizers": OPTIMIZERS, "plateau": PLATEAU,
            "rows": {setting: run_setting(setting, dataset, TASK) for setting in SETTINGS},
        },
    }
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w") as out:
        json.dump(reference, out, indent=1)
        out.write("\n")
    print("wrote", os.path.normpath(OUT_PATH))


if __name__ == "__main__":
    main()
